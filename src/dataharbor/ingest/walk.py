"""Walk one uploaded file: detect its type, run its extractor, recurse into archive members.

`walk` never raises for bad input. It yields `Extracted` pieces (with `extractor`,
`extractor_version` and the full location filled) and `MemberFailure`s, so the ingest service
can record "file ok, 2 members failed" and go on:

- `fatal=True`: the source at `location` (the whole file when `location` has no `member`, else
  that member) was refused or abandoned; pieces already yielded for it are partial.
- `fatal=False`: a problem inside a source that was otherwise read (a malformed JSONL line,
  pages that need OCR); its location points at the line/page when known.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataharbor.ingest.detect import detect_source_type
from dataharbor.ingest.extractor import (
    Extracted,
    ExtractionError,
    ExtractOptions,
    Extractor,
    Source,
    extractor_for,
)
from dataharbor.ingest.extractors._common import Problem, ReportingExtractor
from dataharbor.ingest.extractors.archive import ArchiveExtractor


@dataclass(frozen=True, slots=True)
class MemberFailure:
    location: dict[str, Any]
    reason: str  # short snake_case, stable: counted by the ingest service
    detail: str = ""
    name: str = ""  # display name of the source that failed or holds the problem
    detected_type: str = ""
    fatal: bool = True
    data: dict[str, Any] = field(default_factory=dict)


def walk(source: Source, options: ExtractOptions | None = None) -> Iterator[Extracted | MemberFailure]:
    """Everything extractable from `source`, recursing into archives within `options.limits`."""
    yield from _walk(source, options or ExtractOptions())


def _fail(source: Source, reason: str, detail: str = "", **extra: Any) -> MemberFailure:
    return MemberFailure(dict(source.location), reason, detail, source.name, source.detected_type, **extra)


def _walk(source: Source, options: ExtractOptions) -> Iterator[Extracted | MemberFailure]:
    try:
        kind = source.detected_type or detect_source_type(source)
    except ExtractionError as exc:
        yield _fail(source, exc.reason, exc.detail)
        return
    except Exception as exc:  # an unreadable stream: the file fails, the walk goes on
        yield _fail(source, "unreadable", f"{type(exc).__name__}: {exc}")
        return
    source.detected_type = kind
    if kind == "empty":
        yield _fail(source, "empty_file", "the file has no content")
        return
    if kind == "binary":
        yield _fail(source, "binary_content", "the bytes do not look like text or any supported format")
        return
    extractor = extractor_for(kind)
    if extractor is None:
        yield _fail(source, f"unsupported_type:{kind}", f"no extractor handles {kind!r} yet")
        return
    if isinstance(extractor, ArchiveExtractor):
        yield from _walk_archive(source, extractor, options)
    else:
        yield from _extract(source, extractor, options)


def _walk_archive(
    source: Source, extractor: ArchiveExtractor, options: ExtractOptions
) -> Iterator[Extracted | MemberFailure]:
    if source.depth >= options.limits.max_archive_depth:
        depth = options.limits.max_archive_depth
        yield _fail(source, "max_depth_exceeded", f"archive nested deeper than {depth}")
        return
    try:
        for member in extractor.members(source, options):
            if isinstance(member, Problem):
                yield MemberFailure(member.location, member.reason, member.detail, source.name, "", True)
            else:
                yield from _walk(member, options)
    except ExtractionError as exc:
        yield _fail(source, exc.reason, exc.detail)
    except Exception as exc:  # a library error on hostile input must not end the contribution
        yield _fail(source, "extractor_error", f"{type(exc).__name__}: {exc}")


def _extract(source: Source, extractor: Extractor, options: ExtractOptions) -> Iterator[Extracted | MemberFailure]:
    try:
        for piece in extractor.extract(source, options):
            piece.location = {**source.location, **piece.location}
            piece.extractor = piece.extractor or extractor.name
            piece.extractor_version = piece.extractor_version or extractor.version
            yield piece
    except ExtractionError as exc:
        yield _fail(source, exc.reason, exc.detail)
    except Exception as exc:
        yield _fail(source, "extractor_error", f"{type(exc).__name__}: {exc}")
    if isinstance(extractor, ReportingExtractor):
        for problem in extractor.problems:
            yield MemberFailure(
                {**source.location, **problem.location},
                problem.reason,
                problem.detail,
                source.name,
                source.detected_type,
                fatal=False,
                data=problem.data,
            )
        if extractor.problems_dropped:
            yield _fail(source, "more_problems", f"{extractor.problems_dropped} more not listed", fatal=False)


def source_from_path(path: str | os.PathLike[str]) -> Source:
    """A top-level `Source` for a local file (tests, CLI); the blob store builds its own."""
    p = Path(path)
    return Source(name=p.name, size=p.stat().st_size, opener=lambda: p.open("rb"))


def source_from_bytes(name: str, data: bytes) -> Source:
    return Source(name=name, size=len(data), opener=lambda: io.BytesIO(data))
