"""Parquet shards of a dataset version: kept records and the decisions table (dropped records).

Shards are written into a staging folder and published by one rename, so a crash never leaves
a half-written version. Every shard's SHA-256 goes into the manifest; the integrity root is the
SHA-256 over the ordered shard hashes.

Shards of a private dataset are whole Parquet files sealed with the contribution's data key
(`store/crypto.py`); their manifest entry names the key (`key_id`). A shard's `sha256` and `bytes`
are always of the file as stored (ciphertext for private shards): integrity can be checked by
anyone holding the manifest, without keys, and stays checkable after a key is destroyed.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from dataharbor.domain.record import Provenance, Record
from dataharbor.store.crypto import DataKey, EncryptingWriter, open_decrypted

RECORD_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.large_string()),
        ("modality", pa.string()),
        ("language", pa.string()),
        ("dataset_id", pa.int64()),
        ("contribution_id", pa.int64()),
        ("file_id", pa.int64()),
        ("source_sha256", pa.string()),
        ("source_name", pa.string()),
        ("location", pa.string()),
        ("extractor", pa.string()),
        ("extractor_version", pa.string()),
        ("metadata", pa.string()),
        ("annotations", pa.string()),
        ("dropped_by", pa.string()),
        ("drop_reason", pa.string()),
    ]
)


def _default(value: Any) -> Any:
    # bytes in working state (e.g. MinHash signatures) must survive the trip between processes
    if isinstance(value, bytes | bytearray):
        return {"$b64": base64.b64encode(value).decode("ascii")}
    return str(value)


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_default)


def _bytes_hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$b64" in obj:
        return base64.b64decode(obj["$b64"])
    return obj


def loads_column(text: str) -> Any:
    """A JSON column of a shard (`metadata`, `annotations`) as written by `records_to_table` (bytes restored)."""
    return json.loads(text, object_hook=_bytes_hook)


def records_to_table(records: Sequence[Record], dataset_id: int, *, keep_working_state: bool = False) -> pa.Table:
    """Records as an Arrow table. Metadata keys starting with "_" are in-flight working state
    (e.g. signatures passed between stages): kept only when spilling between processes."""
    cols: dict[str, list[Any]] = {name: [] for name in RECORD_SCHEMA.names}
    for r in records:
        p = r.provenance
        cols["id"].append(r.id)
        cols["text"].append(r.text)
        cols["modality"].append(r.modality)
        lang = r.annotations.get("language")
        cols["language"].append(lang.get("lang") if isinstance(lang, dict) else None)
        cols["dataset_id"].append(dataset_id)
        cols["contribution_id"].append(p.contribution_id)
        cols["file_id"].append(p.file_id)
        cols["source_sha256"].append(p.source_sha256)
        cols["source_name"].append(p.source_name)
        cols["location"].append(_json(p.location))
        cols["extractor"].append(p.extractor)
        cols["extractor_version"].append(p.extractor_version)
        meta = r.metadata if keep_working_state else {k: v for k, v in r.metadata.items() if not k.startswith("_")}
        cols["metadata"].append(_json(meta))
        cols["annotations"].append(_json(r.annotations))
        cols["dropped_by"].append(r.dropped_by)
        cols["drop_reason"].append(r.drop_reason)
    return pa.Table.from_pydict(cols, schema=RECORD_SCHEMA)


def table_to_records(table: pa.Table) -> Iterator[Record]:
    for row in table.to_pylist():
        yield Record(
            id=row["id"],
            text=row["text"],
            modality=row["modality"],
            provenance=Provenance(
                source_sha256=row["source_sha256"],
                source_name=row["source_name"],
                extractor=row["extractor"],
                extractor_version=row["extractor_version"],
                location=json.loads(row["location"]),
                contribution_id=row["contribution_id"],
                file_id=row["file_id"],
            ),
            metadata=loads_column(row["metadata"]),
            annotations=loads_column(row["annotations"]),
            dropped_by=row["dropped_by"],
            drop_reason=row["drop_reason"],
        )


@dataclass(frozen=True, slots=True)
class ShardInfo:
    path: str  # relative to the store root
    kind: str  # "records" | "decisions"
    rows: int
    bytes: int
    sha256: str
    key_id: str | None = None  # the data key that sealed it; None = plaintext (open tier)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "key_id" or v is not None}


class ShardWriter:
    """Writes one kind of shard ("records" or "decisions") in row-bounded Parquet files, sealed with `key` if given."""

    def __init__(
        self,
        fs: Any,
        root: str,
        folder: str,
        kind: str,
        dataset_id: int,
        rows_per_shard: int,
        key: DataKey | None = None,
    ) -> None:
        self.fs, self.root, self.folder, self.kind = fs, root, folder, kind
        self.key = key
        self._sealed: EncryptingWriter | None = None
        self.dataset_id = dataset_id
        self.rows_per_shard = max(1, rows_per_shard)
        self.shards: list[ShardInfo] = []
        self._writer: pq.ParquetWriter | None = None
        self._fh: Any = None
        self._rel = ""
        self._rows = 0

    def write(self, records: Sequence[Record]) -> None:
        start = 0
        while start < len(records):
            if self._writer is None:
                self._open()
            room = self.rows_per_shard - self._rows
            chunk = records[start : start + room]
            assert self._writer is not None
            self._writer.write_table(records_to_table(chunk, self.dataset_id))
            self._rows += len(chunk)
            start += len(chunk)
            if self._rows >= self.rows_per_shard:
                self._close_shard()

    def close(self) -> list[ShardInfo]:
        if self._writer is not None:
            self._close_shard()
        return self.shards

    def _open(self) -> None:
        self._rel = f"{self.folder}/{self.kind}-{len(self.shards):05d}.parquet"
        self._fh = self.fs.open(f"{self.root}/{self._rel}", "wb")
        self._sealed = EncryptingWriter(self._fh, self.key) if self.key is not None else None
        self._writer = pq.ParquetWriter(self._sealed or self._fh, RECORD_SCHEMA, compression="zstd")
        self._rows = 0

    def _close_shard(self) -> None:
        assert self._writer is not None
        self._writer.close()
        if self._sealed is not None:
            self._sealed.close()  # the final chunk
            self._sealed = None
        self._fh.close()
        self._writer = None
        full = f"{self.root}/{self._rel}"
        digest = hashlib.sha256()
        with self.fs.open(full, "rb") as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
        key_id = self.key.key_id if self.key is not None else None
        size = int(self.fs.size(full))
        self.shards.append(ShardInfo(self._rel, self.kind, self._rows, size, digest.hexdigest(), key_id))


def integrity_root(shards: Iterable[ShardInfo | dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for s in shards:
        sha = s.sha256 if isinstance(s, ShardInfo) else s["sha256"]
        digest.update(bytes.fromhex(sha))
    return digest.hexdigest()


def open_shard(fs: Any, root: str, rel: str, key: DataKey | None = None) -> Any:
    """A shard file for reading: plaintext Parquet bytes either way (decrypted on the fly when sealed)."""
    fh = fs.open(f"{root}/{rel}", "rb")
    return open_decrypted(fh, key, name=rel) if key is not None else fh


def read_shard(
    fs: Any,
    root: str,
    rel: str,
    columns: list[str] | None = None,
    key: DataKey | None = None,
    filters: Any = None,
) -> pa.Table:
    with open_shard(fs, root, rel, key) as fh:
        return pq.read_table(fh, columns=columns, filters=filters)


def iter_shard_batches(
    fs: Any,
    root: str,
    rel: str,
    batch_size: int = 1024,
    key: DataKey | None = None,
    columns: Sequence[str] | None = None,
) -> Iterator[pa.RecordBatch]:
    """A shard's rows batch by batch; with `columns`, only those are read and decoded."""
    with open_shard(fs, root, rel, key) as fh:
        pf = pq.ParquetFile(fh)
        yield from pf.iter_batches(batch_size=batch_size, columns=None if columns is None else list(columns))


def iter_shard_columns(
    fs: Any, root: str, rel: str, columns: Sequence[str], batch_size: int = 1024, key: DataKey | None = None
) -> Iterator[dict[str, list[Any]]]:
    """Only `columns` of a shard, batch by batch, each as a Python list: a reader that needs a few fields of
    every row (the audit) neither reads nor decodes the others (provenance details, metadata JSON)."""
    for batch in iter_shard_batches(fs, root, rel, batch_size, key, columns):
        yield {name: batch.column(name).to_pylist() for name in columns}
