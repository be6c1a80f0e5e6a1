"""Plain text and Markdown: streamed, decoded with a detected encoding, split on paragraph breaks.

A file is never read whole: bytes are decoded chunk by chunk and a record is cut as soon as
`limits.max_record_chars` characters are buffered, at the last blank line (else newline,
else space). Locations are character offsets into the decoded text: `{"chars": [start, end]}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from dataharbor.ingest.extractor import (
    Extracted,
    ExtractOptions,
    Extractor,
    Source,
    register_extractor,
)
from dataharbor.ingest.extractors._common import cut_at
from dataharbor.ingest.extractors._decode import DecodedStream


@register_extractor
class TextExtractor(Extractor):
    name: ClassVar[str] = "text"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = ("text", "markdown")

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        markdown = source.detected_type == "markdown"
        max_chars = options.limits.max_record_chars
        with source.open() as fh:
            stream = DecodedStream(fh)
            buffer, offset = "", 0
            for chunk in stream.chunks():
                buffer += chunk
                pos = 0  # cut by index: re-slicing the buffer per record would be quadratic
                while len(buffer) - pos >= max_chars:
                    cut = cut_at(buffer, pos, pos + max_chars)
                    yield from self._record(buffer[pos:cut], offset, stream, markdown)
                    offset += cut - pos
                    pos = cut
                buffer = buffer[pos:]
            yield from self._record(buffer, offset, stream, markdown)

    def _record(self, text: str, offset: int, stream: DecodedStream, markdown: bool) -> Iterator[Extracted]:
        body = strip_markdown(text) if markdown else text
        if not body.strip():
            return
        yield Extracted(
            text=body,
            location={"chars": [offset, offset + len(text)]},
            metadata={"encoding": stream.encoding, "decode_errors": stream.decode_errors},
        )


_FENCE = re.compile(r"^\s*(```|~~~).*$", re.M)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_DEF = re.compile(r"^\s*\[[^\]]+\]:\s+\S+.*$", re.M)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_SETEXT = re.compile(r"^\s*(=+|-{3,})\s*$", re.M)
_QUOTE = re.compile(r"^\s*>\s?", re.M)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>\n]*>")


def strip_markdown(text: str) -> str:
    """Remove Markdown markup lightly: the words stay, the syntax goes; code keeps its content."""
    text = _FENCE.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_DEF.sub("", text)
    text = _HEADING.sub(r"\1", text)
    text = _SETEXT.sub("", text)
    text = _QUOTE.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _INLINE_CODE.sub(r"\1", text)
    return _HTML_TAG.sub("", text)
