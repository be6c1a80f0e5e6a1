"""The walker: unsupported types become named failures, every piece names its extractor."""

from __future__ import annotations

import io
import zipfile

import pytest

from dataharbor.ingest.extractor import Extracted, ExtractOptions, registered_types
from dataharbor.ingest.walk import MemberFailure, source_from_bytes, walk


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"{\\rtf1\\ansi hello}", "rtf"),
        (b"7z\xbc\xaf\x27\x1c" + b"\x00" * 64, "7z"),
    ],
)
def test_unsupported_types_are_named(head: bytes, kind: str) -> None:
    out = list(walk(source_from_bytes("file", head)))
    assert len(out) == 1 and isinstance(out[0], MemberFailure)
    assert out[0].reason == f"unsupported_type:{kind}" and out[0].location == {} and out[0].fatal


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64, "audio/wav"),
        (b"\x00\x00\x00\x18ftypisom" + b"\x00" * 64, "video/mp4"),
    ],
)
def test_broken_media_are_named_fatal_failures(head: bytes, kind: str) -> None:
    out = list(walk(source_from_bytes("file", head)))
    failures = [x for x in out if isinstance(x, MemberFailure) and x.fatal]
    assert failures and all(isinstance(x, MemberFailure) for x in out)
    assert failures[0].detected_type == kind
    assert failures[0].reason in {"corrupt_image", "corrupt_media", "truncated_media", "truncated_image"}


def test_pieces_carry_extractor_and_version() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.csv", "text,n\nhello,1\n")
        zf.writestr("b.html", "<html><body><p>Some page text here.</p></body></html>")
    pieces = [p for p in walk(source_from_bytes("up.zip", buf.getvalue())) if isinstance(p, Extracted)]
    assert [(p.extractor, p.extractor_version) for p in pieces] == [("csv", "1"), ("html", "1")]


def test_walk_never_raises_on_a_failing_opener() -> None:
    def broken() -> io.BytesIO:
        raise OSError("disk gone")

    from dataharbor.ingest.extractor import Source

    out = list(walk(Source(name="x.txt", size=10, opener=broken), ExtractOptions()))
    assert [(f.reason, f.fatal) for f in out if isinstance(f, MemberFailure)] == [("unreadable", True)]


def test_registered_types_cover_the_text_family() -> None:
    types = registered_types()
    family = "text markdown html json jsonl csv tsv docx epub pdf zip tar gzip bzip2 xz"
    assert set(family.split()) <= set(types)
