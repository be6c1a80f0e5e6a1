"""Decompression limits: checks on declared sizes, and a stream that counts the bytes really produced.

A zip's declared sizes can lie and a gzip declares nothing trustworthy, so every member stream
is wrapped in `GuardedStream`, which fails as soon as the bytes actually read pass the per-member
size, the compression ratio or the archive-wide total.
"""

from __future__ import annotations

import io
import zipfile
from typing import IO, Any

from dataharbor.ingest.extractor import ExtractionError, Limits

# Below this many uncompressed bytes the ratio is not checked: small runs of repeated bytes
# (a blank form, a log of zeros) compress 1000:1 honestly and are harmless.
RATIO_FLOOR_BYTES = 1024 * 1024


class Budget:
    """Uncompressed bytes produced across one archive; each member counts its high-water mark."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._by_member: dict[int, int] = {}
        self.total = 0

    def update(self, key: int, produced: int) -> None:
        previous = self._by_member.get(key, 0)
        if produced > previous:
            self._by_member[key] = produced
            self.total += produced - previous
            if self.total > self.limits.max_archive_total_bytes:
                raise ExtractionError(
                    "archive_too_large",
                    f"more than {self.limits.max_archive_total_bytes} uncompressed bytes in the archive",
                )


def check_size(produced: int, compressed: int, limits: Limits, what: str) -> None:
    """Raise when `produced` bytes (declared or real) break the member size or ratio limit."""
    if produced > limits.max_member_bytes:
        raise ExtractionError("member_too_large", f"{what}: more than {limits.max_member_bytes} bytes")
    if produced > RATIO_FLOOR_BYTES and produced > limits.max_compression_ratio * max(compressed, 1):
        raise ExtractionError(
            "compression_ratio_exceeded",
            f"{what}: {produced} bytes from {compressed} compressed (limit {limits.max_compression_ratio:g}:1)",
        )


def check_zip_declared(zf: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip (or docx/epub) whose *declared* sizes already break the limits."""
    infos = zf.infolist()
    if len(infos) > limits.max_archive_members:
        raise ExtractionError("too_many_members", f"{len(infos)} members (limit {limits.max_archive_members})")
    total = 0
    for info in infos:
        check_size(info.file_size, info.compress_size, limits, info.filename)
        total += info.file_size
    if total > limits.max_archive_total_bytes:
        raise ExtractionError("archive_too_large", f"{total} declared uncompressed bytes")


class GuardedStream(io.RawIOBase):
    """A read-only view of a decompressing stream that enforces the limits on real output."""

    def __init__(
        self,
        raw: IO[bytes],
        *,
        what: str,
        compressed: int,
        limits: Limits,
        budget: Budget | None,
        budget_key: int = 0,
    ) -> None:
        super().__init__()
        self._raw = raw
        self._what = what
        self._compressed = compressed
        self._limits = limits
        self._budget = budget
        self._key = budget_key  # per member: re-opening a member must not count its bytes twice
        self._pos = 0
        self._high = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        try:
            return bool(self._raw.seekable())
        except (OSError, ValueError):
            return False

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._raw.read(len(view))
        n = len(data)
        view[:n] = data
        self._advance(n)
        return n

    def read(self, size: int | None = -1) -> bytes:
        data = self._raw.read(-1 if size is None else size)
        self._advance(len(data))
        return data

    def _advance(self, n: int) -> None:
        self._pos += n
        if self._pos > self._high:
            self._high = self._pos
            check_size(self._high, self._compressed, self._limits, self._what)
            if self._budget is not None:
                self._budget.update(self._key, self._high)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._pos = self._raw.seek(offset, whence)
        self._advance(0)  # seeking forward in a compressed member decompresses up to there
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()
