"""Helpers shared by the extractors: problem reporting, bounded reads, text splitting.

Kept private (leading underscore) so the auto-import of extractor modules skips it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar

from dataharbor.errors import MissingExtra
from dataharbor.ingest.extractor import ExtractionError, Extractor
from dataharbor.ingest.extractors._spool import spool_stream

MAX_PROBLEMS = 1000  # per source; beyond that only a count is kept
MAX_META_FIELDS = 50
MAX_META_STR = 1000


@dataclass(slots=True)
class Problem:
    """A non-fatal problem at one location of a source (a bad JSONL line, a page without text)."""

    location: dict[str, Any]
    reason: str
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class ReportingExtractor(Extractor):
    """An extractor that records non-fatal problems; the walker reads `problems` once it is done.

    `extractor_for` builds a fresh instance per source, so the list belongs to one source.
    """

    version: ClassVar[str] = "1"

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.problems_dropped = 0

    def report(self, location: dict[str, Any], reason: str, detail: str = "", **data: Any) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(location, reason, detail, dict(data)))
        else:
            self.problems_dropped += 1


def require_media(*checks: Callable[[], None]) -> None:
    """Run the engines' `require_*` checks; a missing `media` extra fails the source as `missing_extra:media`
    with the install hint (not as an unexplained `extractor_error`)."""
    try:
        for check in checks:
            check()
    except MissingExtra as exc:
        raise ExtractionError("missing_extra:media", str(exc)) from exc


def read_bounded(fh: IO[bytes], limit: int, what: str) -> bytes:
    """Read a whole stream that the format needs in memory, refusing more than `limit` bytes."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise ExtractionError("too_large", f"{what} is larger than {limit} bytes")
    return data


@contextmanager
def seekable(fh: IO[bytes], limit: int) -> Iterator[IO[bytes]]:
    """Yield `fh` itself when it can seek, else a bounded anonymous spool copy of it.

    Formats with a directory at the end (zip, pdf) need random access; archive members
    read in stream mode do not offer it. The spool is in memory, or an unnamed temp file sealed
    with a throw-away key (never plaintext on disk, never a path taken from the archive).
    """
    try:
        can_seek = fh.seekable()
    except (OSError, ValueError):
        can_seek = False
    if can_seek:
        yield fh
        return
    spool = spool_stream(fh, limit)
    try:
        yield spool
    finally:
        spool.close()


def split_points(text: str, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut `text` into spans of at most `max_chars`, preferring paragraph, line, then word breaks."""
    start, n = 0, len(text)
    while n - start > max_chars:
        yield start, (end := cut_at(text, start, start + max_chars))
        start = end
    if start < n:
        yield start, n


def cut_at(text: str, start: int, limit: int) -> int:
    """The best cut in text[start:limit]: after the last blank line, newline or space; else `limit`."""
    floor = start + (limit - start) // 2  # don't cut so early that records become tiny
    for sep in ("\n\n", "\n", " "):
        pos = text.rfind(sep, floor, limit)
        if pos >= 0:
            return pos + len(sep)
    return limit


def scalar_metadata(obj: dict[str, Any], skip: str | None = None) -> dict[str, Any]:
    """Top-level scalar fields of a JSON object or CSV row, bounded in count and length."""
    meta: dict[str, Any] = {}
    for key, value in obj.items():
        if key == skip or len(meta) >= MAX_META_FIELDS:
            continue
        if isinstance(value, str):
            meta[str(key)[:200]] = value[:MAX_META_STR]
        elif value is None or isinstance(value, bool | int | float):
            meta[str(key)[:200]] = value
    return meta


def file_extension(name: str) -> str:
    return os.path.splitext(name.lower())[1]


def as_bytes_io(data: bytes) -> IO[bytes]:
    return io.BytesIO(data)
