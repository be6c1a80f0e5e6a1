"""Streaming decode of bytes to text with a detected encoding and counted decode errors."""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from contextvars import ContextVar
from typing import IO

from dataharbor.ingest.detect import HEAD_BYTES, sniff_encoding
from dataharbor.ingest.extractor import ExtractionError

CHUNK_BYTES = 1024 * 1024

_errors: ContextVar[list[int]] = ContextVar("dataharbor_decode_errors")


def _count_and_fallback(exc: UnicodeError) -> tuple[str, int]:
    """UTF-8 decode errors: count them and read the bad bytes as cp1252.

    Mixed files are mostly UTF-8 with stray Windows-1252 bytes (pasted text, old records);
    reading those bytes as cp1252 recovers the intended character far more often than U+FFFD.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    counter = _errors.get(None)
    bad = exc.object[exc.start : exc.end]
    if counter is not None:
        counter[0] += len(bad)
    return bad.decode("cp1252", errors="replace"), exc.end


def _count_and_replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    counter = _errors.get(None)
    if counter is not None:
        counter[0] += exc.end - exc.start
    return "\ufffd", exc.end


codecs.register_error("dataharbor_utf8_fallback", _count_and_fallback)
codecs.register_error("dataharbor_count_replace", _count_and_replace)


class DecodedStream:
    """Iterate decoded text chunks of a byte stream; `encoding` and `decode_errors` describe it."""

    def __init__(self, fh: IO[bytes], encoding: str | None = None) -> None:
        self._fh = fh
        self._head = fh.read(HEAD_BYTES)
        detected = encoding or sniff_encoding(self._head)
        if detected is None:
            raise ExtractionError("binary_content", "the bytes do not look like text in any encoding")
        self.encoding = detected
        self.decode_errors = 0

    def head_text(self) -> str:
        """The first bytes decoded (for sniffing); does not advance the stream."""
        return codecs.getincrementaldecoder(self.encoding)(errors="replace").decode(self._head, final=False)

    def chunks(self, chunk_bytes: int = CHUNK_BYTES) -> Iterator[str]:
        name = codecs.lookup(self.encoding).name
        errors = "dataharbor_utf8_fallback" if name == "utf-8" else "dataharbor_count_replace"
        decoder = codecs.getincrementaldecoder(self.encoding)(errors=errors)
        counter = [0]
        data = self._head
        while True:
            final = not data
            # Set around each decode call only: the generator may be suspended between calls.
            token = _errors.set(counter)
            try:
                text = decoder.decode(data, final=final)
            finally:
                _errors.reset(token)
            self.decode_errors = counter[0]
            if text:
                yield text
            if final:
                return
            data = self._fh.read(chunk_bytes)

    def lines(self, max_chars: int) -> Iterator[str | None]:
        """Decoded lines (with their newline); None stands for a line longer than `max_chars`,
        which is skipped without ever being held whole in memory."""
        pending: list[str] = []
        pending_len = 0
        overlong = False
        for chunk in self.chunks():
            *complete, rest = chunk.split("\n")
            for piece in complete:
                if overlong or pending_len + len(piece) > max_chars:
                    yield None
                else:
                    yield "".join(pending) + piece + "\n"
                pending, pending_len, overlong = [], 0, False
            if not overlong:
                pending.append(rest)
                pending_len += len(rest)
                if pending_len > max_chars:
                    pending, pending_len, overlong = [], 0, True
        if overlong:
            yield None
        elif pending_len:
            yield "".join(pending)
