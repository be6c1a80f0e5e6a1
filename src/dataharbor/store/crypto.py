"""Streaming authenticated encryption of files: chunked AES-256-GCM, the format every private file uses.

Layout: a header (magic, format version, plaintext chunk size, 8-byte random nonce prefix, key id),
then the plaintext cut into `chunk_size` chunks, each sealed on its own (ciphertext + 16-byte tag).
Chunk `i` uses the nonce `prefix || i` (big-endian u32) and, as associated data, the whole header,
`i` and a final-chunk flag. So an edited byte, a truncated file (the new last chunk was not sealed as
final), chunks swapped or moved between files, or a changed header all fail with `DecryptionError`.
Every chunk except the last holds exactly `chunk_size` bytes, so the plaintext size follows from the
file size and a reader can seek by chunk: multi-GB files never sit in memory, and extractors that
seek (zip, PDF) read the ciphertext directly without any plaintext spool.
"""

from __future__ import annotations

import io
import os
import struct
from dataclasses import dataclass, field
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dataharbor.errors import HarborError

MAGIC = b"DHARBENC"
FORMAT_VERSION = 1
CHUNK_SIZE = 64 * 1024
TAG = 16
KEY_BYTES = 32
_FIXED = struct.Struct(">8sBI8sH")  # magic, version, chunk size, nonce prefix, key id length
MAX_CHUNKS = 2**32  # the counter is 32 bits: 256 TiB per file at 64 KiB chunks


class DecryptionError(HarborError):
    """The file is not ours, was altered or truncated, or the key is wrong."""


@dataclass(frozen=True, slots=True)
class DataKey:
    """A 256-bit data key, only ever in memory; `key_id` names it in file headers and manifests."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_BYTES:
            raise ValueError(f"a data key has {KEY_BYTES} bytes, got {len(self.secret)}")

    @classmethod
    def generate(cls, key_id: str) -> DataKey:
        return cls(key_id, AESGCM.generate_key(bit_length=256))


@dataclass(frozen=True, slots=True)
class Header:
    key_id: str
    chunk_size: int
    prefix: bytes
    raw: bytes  # the exact bytes on disk: authenticated with every chunk

    @classmethod
    def new(cls, key_id: str, chunk_size: int = CHUNK_SIZE) -> Header:
        prefix = os.urandom(8)
        kid = key_id.encode("utf-8")
        raw = _FIXED.pack(MAGIC, FORMAT_VERSION, chunk_size, prefix, len(kid)) + kid
        return cls(key_id, chunk_size, prefix, raw)


def is_encrypted(head: bytes) -> bool:
    return head[: len(MAGIC)] == MAGIC


def read_header(fh: IO[bytes]) -> Header:
    fixed = fh.read(_FIXED.size)
    if len(fixed) < _FIXED.size or not is_encrypted(fixed):
        raise DecryptionError("not an encrypted DataHarbor file (bad or missing header)")
    _, version, chunk_size, prefix, kid_len = _FIXED.unpack(fixed)
    if version != FORMAT_VERSION:
        raise DecryptionError(f"unsupported encryption format version {version}")
    if not 16 <= chunk_size <= 64 * 1024 * 1024:
        raise DecryptionError(f"implausible chunk size {chunk_size} in header")
    kid = fh.read(kid_len)
    if len(kid) < kid_len:
        raise DecryptionError("truncated header")
    try:
        key_id = kid.decode("utf-8")
    except UnicodeDecodeError:
        raise DecryptionError("corrupt key id in header") from None
    return Header(key_id, chunk_size, prefix, fixed + kid)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _aad(header: Header, index: int, final: bool) -> bytes:
    return header.raw + struct.pack(">QB", index, 1 if final else 0)


class EncryptingWriter(io.RawIOBase):
    """A write-only file object that seals what it is given into `sink`; `close()` writes the final chunk.

    Closing the writer does not close `sink` unless `close_sink` is set. `tell()` counts plaintext
    bytes, which is what Parquet and Arrow IPC writers expect.
    """

    def __init__(
        self, sink: IO[bytes], key: DataKey, *, chunk_size: int = CHUNK_SIZE, close_sink: bool = False
    ) -> None:
        super().__init__()
        self._sink = sink
        self._aead = AESGCM(key.secret)
        self._header = Header.new(key.key_id, chunk_size)
        self._buf = bytearray()
        self._index = 0
        self._written = 0
        self._close_sink = close_sink
        sink.write(self._header.raw)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed EncryptingWriter")
        view = memoryview(data).cast("B")
        self._buf += view
        self._written += len(view)
        cs = self._header.chunk_size
        # a chunk is sealed as non-final only once we know more bytes follow it
        while len(self._buf) > cs:
            self._seal(bytes(self._buf[:cs]), final=False)
            del self._buf[:cs]
        return len(view)

    def tell(self) -> int:
        return self._written

    def close(self) -> None:
        if self.closed:
            return
        try:
            self._seal(bytes(self._buf), final=True)
            self._buf.clear()
            self._sink.flush()
        finally:
            if self._close_sink:
                self._sink.close()
            super().close()

    def _seal(self, chunk: bytes, *, final: bool) -> None:
        if self._index >= MAX_CHUNKS:
            raise ValueError("file too large for one encrypted stream")
        nonce = _nonce(self._header.prefix, self._index)
        self._sink.write(self._aead.encrypt(nonce, chunk, _aad(self._header, self._index, final)))
        self._index += 1


class DecryptingReader(io.RawIOBase):
    """A seekable, read-only view of the plaintext of an encrypted file; one chunk decrypted at a time.

    `source` must be seekable (local files and fsspec files are): the file size tells which chunk is
    the last one, and seeking maps to a chunk. Wrong key, edits, truncation and reordering raise
    `DecryptionError` naming the chunk.
    """

    def __init__(self, source: IO[bytes], key: DataKey, *, name: str = "", close_source: bool = True) -> None:
        super().__init__()
        self._src = source
        self._close_source = close_source
        self._name = name or str(getattr(source, "name", "") or "encrypted file")
        self.header = read_header(source)
        if self.header.key_id != key.key_id:
            raise DecryptionError(
                f"{self._name} is sealed with key '{self.header.key_id}', not '{key.key_id}'",
                key_id=self.header.key_id,
            )
        self._aead = AESGCM(key.secret)
        body = source.seek(0, io.SEEK_END) - len(self.header.raw)
        step = self.header.chunk_size + TAG
        self._chunks = max(1, -(-body // step))
        self._size = body - TAG * self._chunks
        last = body - (self._chunks - 1) * step
        if body < TAG or last < TAG:
            raise DecryptionError(f"{self._name} is truncated (no complete final chunk)")
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    @property
    def size(self) -> int:
        return self._size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._pos < self._size:
            index, offset = divmod(self._pos, self.header.chunk_size)
            chunk = self._chunk(index)
            n = min(len(view) - done, len(chunk) - offset)
            view[done : done + n] = chunk[offset : offset + n]
            done += n
            self._pos += n
        return done

    def readall(self) -> bytes:
        out = bytearray()
        while chunk := self.read(self.header.chunk_size):
            out += chunk
        return bytes(out)

    def close(self) -> None:
        if not self.closed:
            self._cached = None
            if self._close_source:
                self._src.close()
        super().close()

    def verify(self) -> int:
        """Authenticate every chunk (without returning plaintext); the plaintext size."""
        for index in range(self._chunks):
            self._chunk(index)
        return self._size

    def _chunk(self, index: int) -> bytes:
        if self._cached is not None and self._cached[0] == index:
            return self._cached[1]
        step = self.header.chunk_size + TAG
        self._src.seek(len(self.header.raw) + index * step)
        sealed = self._src.read(step)
        final = index == self._chunks - 1
        try:
            plain = self._aead.decrypt(_nonce(self.header.prefix, index), sealed, _aad(self.header, index, final))
        except InvalidTag:
            raise DecryptionError(
                f"{self._name}: chunk {index} failed authentication (wrong key, altered, truncated or reordered)",
                chunk=index,
            ) from None
        if not final and len(plain) != self.header.chunk_size:
            raise DecryptionError(f"{self._name}: chunk {index} is short")
        self._cached = (index, plain)
        return plain


def open_decrypted(source: IO[bytes], key: DataKey, *, name: str = "", buffer_size: int = CHUNK_SIZE) -> IO[bytes]:
    """A buffered, seekable plaintext file object over an encrypted `source` (closes it when closed)."""
    try:
        reader = DecryptingReader(source, key, name=name)
    except BaseException:
        source.close()
        raise
    return io.BufferedReader(reader, buffer_size=buffer_size)


def encrypt_stream(src: IO[bytes], sink: IO[bytes], key: DataKey, *, chunk_size: int = CHUNK_SIZE) -> int:
    """Seal all of `src` into `sink`; the plaintext byte count."""
    n = 0
    with EncryptingWriter(sink, key, chunk_size=chunk_size) as out:
        while data := src.read(chunk_size):
            out.write(data)
            n += len(data)
    return n
