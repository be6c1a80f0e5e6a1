"""A seekable copy of a stream that never puts plaintext on disk.

Extractors need random access to formats with a directory at the end (zip, PDF) and to tar
members, which stream once. Small copies stay in memory; beyond `max_memory` the copy goes to
an unnamed temporary file sealed (AES-256-GCM, `store.crypto`) with a throw-away key that
exists only in this process's memory — so a private dataset's content never reaches the disk
in clear, even for the seconds an extraction takes, and the temp file is useless once closed.
"""

from __future__ import annotations

import io
import tempfile
from typing import IO

from dataharbor.store.crypto import DataKey, EncryptingWriter, open_decrypted

SPOOL_IN_MEMORY = 16 * 1024**2


class SealedSpool:
    """Write the stream in, then `finish()` for a seekable reader (closing the reader frees everything)."""

    def __init__(self, max_memory: int = SPOOL_IN_MEMORY) -> None:
        self._max_memory = max_memory
        self._memory: io.BytesIO | None = io.BytesIO()
        self._file: IO[bytes] | None = None
        self._writer: EncryptingWriter | None = None
        self._key: DataKey | None = None

    def write(self, data: bytes) -> None:
        if self._writer is not None:
            self._writer.write(data)
            return
        assert self._memory is not None
        if self._memory.tell() + len(data) <= self._max_memory:
            self._memory.write(data)
            return
        self._key = DataKey.generate("spool")
        self._file = tempfile.TemporaryFile()  # noqa: SIM115  (owned by the reader `finish` returns)
        self._writer = EncryptingWriter(self._file, self._key)
        self._writer.write(self._memory.getbuffer())
        self._memory = None
        self._writer.write(data)

    def finish(self) -> IO[bytes]:
        if self._writer is None:
            assert self._memory is not None
            self._memory.seek(0)
            return self._memory
        assert self._file is not None and self._key is not None
        self._writer.close()
        self._file.seek(0)
        return open_decrypted(self._file, self._key, name="extraction spool")

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._file is not None:
            self._file.close()
        self._memory = None


def spool_stream(fh: IO[bytes], limit: int, on_too_large: type[Exception] | None = None) -> IO[bytes]:
    """Copy `fh` (at most `limit` bytes) into a sealed spool and return the seekable reader."""
    spool = SealedSpool()
    copied = 0
    try:
        while chunk := fh.read(1024 * 1024):
            copied += len(chunk)
            if copied > limit:
                from dataharbor.ingest.extractor import ExtractionError

                raise ExtractionError("too_large", f"member is larger than {limit} bytes")
            spool.write(chunk)
    except BaseException:
        spool.discard()
        raise
    return spool.finish()
