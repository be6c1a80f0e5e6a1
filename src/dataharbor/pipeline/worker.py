"""The per-file task an executor runs: extract a file into Records and run the map stages.

Processed batches are spilled to an Arrow IPC file in the job's scratch folder, so neither the
worker nor the driver ever holds a whole file's records in memory; the driver streams them back.
A file that fails part-way is discarded whole (no partial writes) and reported with its reason.

For a private dataset the worker gets `JobKeys` through the executor's initargs (memory only, never
on disk): the contribution's data key opens its sealed blobs, and a per-job ephemeral key seals the
spill files, so scratch never holds plaintext and a spill left behind by a crash is unreadable.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from dataharbor.domain.record import Provenance, Record, record_id
from dataharbor.ingest.extractor import ExtractionError, ExtractOptions, Source
from dataharbor.ingest.walk import MemberFailure, walk
from dataharbor.pipeline.profiles import StageSpec
from dataharbor.pipeline.stage import Stage, StageContext, StageCounters, build_stage, merge_counters, run_stages
from dataharbor.store.blobs import BlobStore
from dataharbor.store.crypto import DataKey, EncryptingWriter, open_decrypted
from dataharbor.store.shards import RECORD_SCHEMA, records_to_table, table_to_records

# A batch is closed at `batch_size` records or at this many characters, whichever comes first:
# long documents (records of up to a million characters) must not make batches of gigabytes.
MAX_BATCH_CHARS = 8_000_000


@dataclass(frozen=True, slots=True)
class FileTask:
    file_id: int
    contribution_id: int
    dataset_id: int
    sha256: str
    name: str
    size: int
    scratch_dir: str
    options: ExtractOptions
    batch_size: int = 256
    # a large splittable file is processed as `parts` tasks; task `part` keeps every parts-th record
    part: int = 0
    parts: int = 1


@dataclass(slots=True)
class FileResult:
    file_id: int
    status: str  # "ok" | "failed"
    detected_type: str = ""
    error: str = ""
    records: int = 0
    issues: list[dict[str, Any]] = field(default_factory=list)
    # archive members abandoned part-way: their records are partial and must not be published
    failed_members: list[str] = field(default_factory=list)
    # processed batches on disk: one file, or one per part of a split file, in part order
    spill_paths: list[str] = field(default_factory=list)
    counters: dict[str, StageCounters] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobKeys:
    """The keys a private job's workers hold in memory: `blob` opens the contribution's raw files, `spill` seals
    the scratch spills (ephemeral: generated per job, never stored)."""

    blob: DataKey
    spill: DataKey


@dataclass(slots=True)
class _WorkerState:
    store: BlobStore
    stages: list[Stage]
    keys: JobKeys | None


_STATE: _WorkerState | None = None


def init_worker(
    store_url: str, specs: tuple[StageSpec, ...], context: StageContext, keys: JobKeys | None = None
) -> None:
    """Executor initializer: one blob store handle and one set of map stages per worker process."""
    global _STATE
    _STATE = _WorkerState(BlobStore(store_url), [build_stage(s.name, s.params, context) for s in specs], keys)


def close_worker() -> None:
    """Executor finalizer: the stages drop what holds the job's text, and the worker state goes (for a process that
    outlives the map: the inline executor runs it in the job's own process)."""
    global _STATE
    if _STATE is not None:
        for stage in _STATE.stages:
            stage.close()
    _STATE = None


def process_file(task: FileTask) -> FileResult:
    assert _STATE is not None, "init_worker was not called"
    result = FileResult(task.file_id, "ok")
    spill = os.path.join(task.scratch_dir, f"file-{task.file_id}-{task.part}.arrow")
    store, keys = _STATE.store, _STATE.keys
    blob_key = keys.blob if keys else None
    source = Source(name=task.name, size=task.size, opener=lambda: store.open(task.sha256, blob_key))
    try:
        with open_spill(spill, keys.spill if keys else None) as sink, pa.ipc.new_stream(sink, RECORD_SCHEMA) as writer:
            for batch in _batches(task, source, result):
                run_stages(_STATE.stages, batch, result.counters)
                writer.write_table(records_to_table(batch, task.dataset_id, keep_working_state=True))
                result.records += len(batch)
        result.detected_type = source.detected_type
        result.spill_paths = [spill]
    except ExtractionError as exc:
        _discard(spill)
        result.status, result.error, result.detected_type = "failed", str(exc), source.detected_type
        result.records, result.counters = 0, {}
    except Exception as exc:  # a bug or an unexpected library error must not stop the other files
        _discard(spill)
        detail = "".join(traceback.format_exception_only(exc)).strip()
        result.status, result.error, result.detected_type = "failed", f"internal_error: {detail}", source.detected_type
        result.records, result.counters = 0, {}
    return result


def combine_parts(parts: list[FileResult]) -> FileResult:
    """One file's result from the results of its parts (in part order); any failure fails the file."""
    if len(parts) == 1:
        return parts[0]
    failed = next((p for p in parts if p.status != "ok"), None)
    if failed is not None:
        for p in parts:
            for spill in p.spill_paths:
                _discard(spill)
        return FileResult(failed.file_id, failed.status, failed.detected_type, failed.error)
    first = parts[0]
    out = FileResult(
        first.file_id, "ok", first.detected_type, issues=list(first.issues), failed_members=list(first.failed_members)
    )
    for p in parts:
        out.records += p.records
        merge_counters(out.counters, p.counters)
        out.spill_paths += p.spill_paths
    return out


def open_spill(path: str, key: DataKey | None) -> Any:
    """A spill file to write: Arrow's own file, or a sealed stream when the job is private."""
    if key is None:
        return pa.OSFile(path, "wb")
    return EncryptingWriter(open(path, "wb"), key, close_sink=True)


def read_spill(
    path: str, failed_members: list[str] | None = None, key: DataKey | None = None
) -> Iterator[list[Record]]:
    """The processed batches of a file, without records of archive members that failed part-way."""
    bad = tuple(failed_members or ())
    src_file = pa.OSFile(path, "rb") if key is None else open_decrypted(open(path, "rb"), key, name=path)  # noqa: SIM115
    with src_file as src, pa.ipc.open_stream(src) as reader:
        for rb in reader:
            batch = list(table_to_records(pa.Table.from_batches([rb])))
            if bad:
                batch = [r for r in batch if not _inside(r.provenance.location.get("member"), bad)]
            yield batch


def _inside(member: object, failed: tuple[str, ...]) -> bool:
    return isinstance(member, str) and any(member == f or member.startswith(f + "!") for f in failed)


def _batches(task: FileTask, source: Source, result: FileResult) -> Iterator[list[Record]]:
    batch: list[Record] = []
    chars = 0
    index = -1
    for item in walk(source, task.options):
        if isinstance(item, MemberFailure):
            if task.part:
                continue  # every part sees the same problems; the first part reports them
            member = item.location.get("member")
            if item.fatal and member is None:
                raise ExtractionError(item.reason, item.detail)  # the file itself is unreadable
            if item.fatal:
                result.failed_members.append(str(member))
            result.issues.append(
                {
                    "member": member,
                    "location": item.location,
                    "reason": item.reason,
                    "detail": item.detail,
                    "fatal": item.fatal,
                }
            )
            continue
        if not item.text.strip():
            continue
        index += 1
        if index % task.parts != task.part:
            continue
        prov = Provenance(
            source_sha256=task.sha256,
            source_name=task.name,
            extractor=item.extractor,
            extractor_version=item.extractor_version,
            location=item.location,
            contribution_id=task.contribution_id,
            file_id=task.file_id,
        )
        batch.append(
            Record(
                id=record_id(task.dataset_id, task.sha256, item.location),
                text=item.text,
                provenance=prov,
                modality=item.modality,
                metadata=dict(item.metadata),
            )
        )
        chars += len(item.text)
        if len(batch) >= task.batch_size or chars >= MAX_BATCH_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def _discard(path: str) -> None:
    if os.path.exists(path):
        os.remove(path)
