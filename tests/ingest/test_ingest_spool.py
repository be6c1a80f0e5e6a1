"""Extraction spools: seekable copies of streams are never plaintext on disk."""

from __future__ import annotations

import io

import pytest

from dataharbor.ingest.extractor import ExtractionError
from dataharbor.ingest.extractors._spool import SealedSpool, spool_stream

MARKER = b"PRIVATE-MARKER-7f3a91"


def _data(n: int) -> bytes:
    return (MARKER + b" some private member content\n") * n


def test_large_copies_go_to_a_sealed_temp_file_and_read_back_with_seeks() -> None:
    data = _data(2000)  # ~100 KB, over the 4 KB memory budget below
    spool = SealedSpool(max_memory=4096)
    for i in range(0, len(data), 7000):
        spool.write(data[i : i + 7000])
    on_disk = spool._file
    assert on_disk is not None
    reader = spool.finish()
    try:
        on_disk.seek(0)
        raw = on_disk.read()
        assert len(raw) > len(data) and MARKER not in raw  # sealed bytes only
        assert reader.read() == data
        reader.seek(len(data) - 10)
        assert reader.read() == data[-10:]
        reader.seek(12_345)
        assert reader.read(100) == data[12_345:12_445]
    finally:
        reader.close()
    assert on_disk.closed


def test_small_copies_stay_in_memory() -> None:
    data = _data(10)
    reader = spool_stream(io.BytesIO(data), limit=10**6)
    assert isinstance(reader, io.BytesIO) and reader.read() == data


def test_copies_over_the_limit_are_refused() -> None:
    with pytest.raises(ExtractionError) as err:
        spool_stream(io.BytesIO(_data(100)), limit=1000)
    assert err.value.reason == "too_large"
