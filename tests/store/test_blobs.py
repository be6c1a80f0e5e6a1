from __future__ import annotations

import hashlib
import io
import os
import stat
import tracemalloc
from pathlib import Path

import pytest

from dataharbor.errors import NotFound
from dataharbor.store.blobs import BlobStore


def test_content_addressed_and_stored_once(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path / "store"))
    a = store.put_stream(io.BytesIO(b"hello"))
    b = store.put_stream(io.BytesIO(b"hello"))
    assert a.sha256 == hashlib.sha256(b"hello").hexdigest() == b.sha256
    assert (a.existed, b.existed) == (False, True)
    with store.open(a.sha256) as fh:
        assert fh.read() == b"hello"
    blobs = [p for p in (tmp_path / "store" / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1
    assert not list((tmp_path / "store" / "tmp").iterdir())  # no leftovers of in-flight writes


def test_raw_blobs_are_read_only(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path))
    info = store.put_stream(io.BytesIO(b"immutable"))
    mode = os.stat(store.path(info.sha256)).st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_streaming_write_does_not_hold_the_file_in_memory(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    chunk = os.urandom(1024 * 1024)
    with open(big, "wb") as fh:
        for _ in range(64):
            fh.write(chunk)
    store = BlobStore(str(tmp_path / "store"))
    tracemalloc.start()
    info = store.put_file(big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert info.size == 64 * 1024 * 1024
    assert peak < 8 * 1024 * 1024  # a few chunks, not the 64 MB file


def test_missing_blob_and_delete(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path))
    with pytest.raises(NotFound):
        store.open("0" * 64)
    info = store.put_stream(io.BytesIO(b"bye"))
    store.delete(info.sha256)
    assert not store.exists(info.sha256)


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    class Broken(io.RawIOBase):
        def __init__(self) -> None:
            self.calls = 0

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            self.calls += 1
            if self.calls > 2:
                raise OSError("disk went away")
            return b"x" * 10

    store = BlobStore(str(tmp_path))
    with pytest.raises(OSError):
        store.put_stream(Broken())  # type: ignore[arg-type]
    assert not list((tmp_path / "tmp").iterdir())
    assert not (tmp_path / "blobs").exists()
