"""The sealed file format: round trips, seeking, and every kind of tampering detected with a clear error."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import fsspec
import pyarrow.parquet as pq
import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.store.blobs import BlobStore
from dataharbor.store.crypto import (
    TAG,
    DataKey,
    DecryptingReader,
    DecryptionError,
    EncryptingWriter,
    encrypt_stream,
    open_decrypted,
    read_header,
)
from dataharbor.store.shards import ShardWriter, read_shard

CS = 1024  # small chunks so tests cross many chunk boundaries cheaply


def _seal(data: bytes, key: DataKey, chunk_size: int = CS) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, key, chunk_size=chunk_size)
    return out.getvalue()


def _open(sealed: bytes, key: DataKey) -> DecryptingReader:
    return DecryptingReader(io.BytesIO(sealed), key)


@pytest.mark.parametrize("size", [0, 1, CS - 1, CS, CS + 1, 5 * CS, 5 * CS + 17])
def test_round_trip_at_chunk_boundaries(size: int) -> None:
    key = DataKey.generate("d1-c1")
    data = os.urandom(size)
    sealed = _seal(data, key)
    assert size < 16 or data not in sealed  # a byte or two of random data turns up in any ciphertext by chance
    with _open(sealed, key) as r:
        assert r.size == size
        assert r.read() == data


def test_seek_and_partial_reads_match_the_plaintext() -> None:
    key = DataKey.generate("d1-c1")
    data = bytes(range(256)) * 40  # 10 KiB, 10 chunks
    with open_decrypted(io.BytesIO(_seal(data, key)), key, buffer_size=CS) as fh:
        for pos, n in [(0, 10), (1000, 100), (CS * 3 - 5, 10), (len(data) - 3, 10), (len(data) + 5, 10)]:
            fh.seek(pos)
            assert fh.read(n) == data[pos : pos + n]
        assert fh.seek(-7, io.SEEK_END) == len(data) - 7
        assert fh.read() == data[-7:]


def test_a_zip_reads_straight_from_the_sealed_bytes() -> None:
    # zip needs random access (central directory at the end): the reader seeks by chunk, nothing is spooled
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "alpha " * 2000)
        zf.writestr("b.txt", "beta")
    key = DataKey.generate("d1-c1")
    with open_decrypted(io.BytesIO(_seal(buf.getvalue(), key)), key) as fh, zipfile.ZipFile(fh) as zf:
        assert zf.read("b.txt") == b"beta"
        assert zf.read("a.txt").startswith(b"alpha alpha")


def test_wrong_key_is_refused() -> None:
    key = DataKey.generate("d1-c1")
    sealed = _seal(b"secret" * 100, key)
    with pytest.raises(DecryptionError, match="sealed with key 'd1-c1', not 'd1-c2'"):
        _open(sealed, DataKey.generate("d1-c2"))
    impostor = DataKey("d1-c1", os.urandom(32))  # right id, wrong secret
    with pytest.raises(DecryptionError, match="chunk 0 failed authentication"):
        _open(sealed, impostor).read()


def test_a_flipped_ciphertext_bit_is_detected_in_its_chunk() -> None:
    key = DataKey.generate("d1-c1")
    sealed = bytearray(_seal(os.urandom(4 * CS), key))
    header = len(read_header(io.BytesIO(bytes(sealed))).raw)
    sealed[header + 2 * (CS + TAG) + 5] ^= 0x01  # inside chunk 2
    r = _open(bytes(sealed), key)
    assert r.read(2 * CS)  # chunks 0 and 1 are intact
    with pytest.raises(DecryptionError, match="chunk 2 failed authentication"):
        r.read(CS)


def test_truncation_at_a_chunk_boundary_is_detected() -> None:
    key = DataKey.generate("d1-c1")
    sealed = _seal(os.urandom(4 * CS + 10), key)
    header = len(read_header(io.BytesIO(sealed)).raw)
    cut = sealed[: header + 3 * (CS + TAG)]  # drops the final chunk cleanly: chunk 2 was not sealed as final
    with pytest.raises(DecryptionError, match="chunk 2"):
        _open(cut, key).read()
    with pytest.raises(DecryptionError, match="truncated"):
        _open(sealed[: header + 5], key)
    with pytest.raises(DecryptionError, match="header"):
        _open(sealed[:10], key)


def test_swapped_or_duplicated_chunks_are_detected() -> None:
    key = DataKey.generate("d1-c1")
    sealed = _seal(os.urandom(4 * CS), key)
    header = len(read_header(io.BytesIO(sealed)).raw)
    step = CS + TAG
    body = [sealed[header + i * step : header + (i + 1) * step] for i in range(4)]
    swapped = sealed[:header] + body[1] + body[0] + body[2] + body[3]
    with pytest.raises(DecryptionError, match="chunk 0"):
        _open(swapped, key).read()
    appended = sealed + body[3]  # a replayed chunk after the real final one
    with pytest.raises(DecryptionError):
        _open(appended, key).read()


def test_chunks_from_another_file_with_the_same_key_do_not_fit() -> None:
    key = DataKey.generate("d1-c1")
    a, b = _seal(os.urandom(2 * CS), key), _seal(os.urandom(2 * CS), key)
    header = len(read_header(io.BytesIO(a)).raw)
    spliced = a[: header + CS + TAG] + b[header + CS + TAG :]  # a's chunk 0, b's final chunk
    with pytest.raises(DecryptionError, match="chunk 1"):
        _open(spliced, key).read()


def test_an_edited_header_is_detected() -> None:
    key = DataKey.generate("d1-c1")
    sealed = bytearray(_seal(b"x" * 100, key))
    sealed[14] ^= 0xFF  # a byte of the random nonce prefix
    with pytest.raises(DecryptionError):
        _open(bytes(sealed), key).read()


def test_writer_counts_plaintext_and_refuses_writes_after_close() -> None:
    key = DataKey.generate("d1-c1")
    sink = io.BytesIO()
    w = EncryptingWriter(sink, key, chunk_size=CS)
    w.write(b"a" * 3000)
    assert w.tell() == 3000
    w.close()
    with pytest.raises(ValueError):
        w.write(b"more")
    assert _open(sink.getvalue(), key).read() == b"a" * 3000


def test_private_blob_is_sealed_in_its_contribution_area(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path / "store"))
    key = DataKey.generate("d3-c7")
    plain = b"MARKER-blob-content " * 1000
    info = store.put_stream(io.BytesIO(plain), key)
    path = Path(store.path(info.sha256, key))
    assert path.parent == tmp_path / "store" / "blobs" / "private" / "d3" / "c7"
    assert b"MARKER" not in path.read_bytes()
    assert not store.exists(info.sha256)  # nothing in the shared content-addressed area
    with store.open(info.sha256, key) as fh:
        assert fh.read() == plain
    assert store.size(info.sha256, key) == len(plain)
    assert store.local_path(info.sha256, key) is None  # extractors must not mmap the ciphertext
    assert store.put_stream(io.BytesIO(plain), key).existed


def test_sealed_shard_round_trips_and_hashes_the_stored_bytes(tmp_path: Path) -> None:
    fs = fsspec.filesystem("file")
    (tmp_path / "v1").mkdir()
    key = DataKey.generate("d1-c1")
    recs = [
        Record(id=f"d1-{i:04x}", text=f"MARKER record {i}", provenance=Provenance("ab", "f.txt", "text", "1", {}))
        for i in range(30)
    ]
    w = ShardWriter(fs, str(tmp_path), "v1", "records", 1, rows_per_shard=20, key=key)
    w.write(recs)
    shards = w.close()
    assert [s.rows for s in shards] == [20, 10] and all(s.key_id == "d1-c1" for s in shards)
    for s in shards:
        raw = (tmp_path / s.path).read_bytes()
        assert b"MARKER" not in raw and hashlib.sha256(raw).hexdigest() == s.sha256 and len(raw) == s.bytes
        assert s.to_dict()["key_id"] == "d1-c1"
        with pytest.raises(Exception):  # noqa: B017  (not Parquet without the key)
            pq.read_table(tmp_path / s.path)
    texts = [t for s in shards for t in read_shard(fs, str(tmp_path), s.path, key=key).column("text").to_pylist()]
    assert texts == [r.text for r in recs]
