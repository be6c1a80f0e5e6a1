"""Archives: zip, tar and single-stream compressors (gzip, bzip2, xz; a tar inside them is opened).

`ArchiveExtractor.members` turns an archive into member `Source`s (or `Problem`s for members it
refuses); `dataharbor.ingest.walk` recurses into them. Nothing is ever written to disk under a
name taken from the archive: members are read as streams (tar streams inside a compressor are
copied to an anonymous spool so they can be re-opened). Every member stream counts the bytes it
really produces (see `_limits`), so lying headers and zip bombs stop at the limits.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO, Any, ClassVar, cast

from dataharbor.ingest.extractor import (
    Extracted,
    ExtractionError,
    ExtractOptions,
    Limits,
    Source,
    register_extractor,
)
from dataharbor.ingest.extractors._common import Problem, ReportingExtractor, seekable
from dataharbor.ingest.extractors._limits import Budget, GuardedStream, check_size
from dataharbor.ingest.extractors._spool import SealedSpool

ARCHIVE_TYPES = ("zip", "tar", "gzip", "bzip2", "xz")
_SKIPPED_PREFIXES = ("__MACOSX/",)
_SKIPPED_NAMES = (".DS_Store", "Thumbs.db")
_COMPRESSED_SUFFIXES = {
    "gzip": (".tgz", ".gz"),
    "bzip2": (".tbz2", ".tbz", ".bz2"),
    "xz": (".txz", ".xz"),
}
_DRIVE = re.compile(r"^[A-Za-z]:")
_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, lzma.LZMAError, OSError, tarfile.TarError)


def unsafe_path(name: str) -> str | None:
    """Why a member path may not be trusted (absolute, parent references, NUL), or None."""
    path = name.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        return "absolute path"
    if ".." in path.split("/"):
        return "parent directory reference"
    if "\x00" in path:
        return "NUL in path"
    return None


def _skipped(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith(_SKIPPED_PREFIXES) or path.rsplit("/", 1)[-1] in _SKIPPED_NAMES


class _SafeStream(GuardedStream):
    """GuardedStream that turns decompression errors into a stable `corrupt_archive` reason."""

    def read(self, size: int | None = -1) -> bytes:
        try:
            return super().read(size)
        except _READ_ERRORS as exc:
            raise ExtractionError("corrupt_archive", f"{type(exc).__name__}: {exc}") from exc

    def readinto(self, buffer: Any) -> int:
        try:
            return super().readinto(buffer)
        except _READ_ERRORS as exc:
            raise ExtractionError("corrupt_archive", f"{type(exc).__name__}: {exc}") from exc


class _SpoolView(io.RawIOBase):
    """An independent read position over a shared spool; closing the view keeps the spool."""

    def __init__(self, spool: IO[bytes]) -> None:
        super().__init__()
        self._spool = spool
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._spool.seek(self._pos)
        data = self._spool.read(len(memoryview(buffer)))
        memoryview(buffer).cast("B")[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            self._pos = self._spool.seek(0, io.SEEK_END) + offset
        else:
            self._pos = (self._pos if whence == io.SEEK_CUR else 0) + offset
        return self._pos

    def tell(self) -> int:
        return self._pos


@register_extractor
class ArchiveExtractor(ReportingExtractor):
    """Containers. `walk` calls `members`; `extract` (for direct use) walks them, problems reported."""

    name: ClassVar[str] = "archive"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = ARCHIVE_TYPES

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        from dataharbor.ingest.walk import MemberFailure, walk

        for piece in walk(source, options):
            if isinstance(piece, MemberFailure):
                self.report(piece.location, piece.reason, piece.detail)
            else:
                yield piece

    def members(self, source: Source, options: ExtractOptions) -> Iterator[Source | Problem]:
        kind = source.detected_type
        if kind == "zip":
            yield from self._zip_members(source, options)
        elif kind == "tar":
            yield from self._tar_members(source, options)
        elif kind in _COMPRESSED_SUFFIXES:
            yield from self._compressed_members(source, options)
        else:
            raise ExtractionError("unsupported_archive", kind)

    # -- zip ---------------------------------------------------------------------------------
    def _zip_members(self, source: Source, options: ExtractOptions) -> Iterator[Source | Problem]:
        limits = options.limits
        budget = Budget(limits)
        with source.open() as raw, seekable(raw, limits.max_member_bytes) as fh:
            try:
                zf = zipfile.ZipFile(fh)
                infos = zf.infolist()
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
                raise ExtractionError("corrupt_archive", f"{type(exc).__name__}: {exc}") from exc
            with zf:
                for index, info in enumerate(infos):
                    if index >= limits.max_archive_members:
                        yield _too_many(source, limits, len(infos))
                        return
                    if info.is_dir() or _skipped(info.filename):
                        continue
                    location = _member_location(source, info.filename)
                    refusal = _zip_refusal(info, limits)
                    if refusal:
                        yield Problem(location, *refusal)
                        continue
                    opener = _zip_opener(zf, info, limits, budget, index)
                    yield _member(source, info.filename, info.file_size, opener, location)

    # -- tar ---------------------------------------------------------------------------------
    def _tar_members(self, source: Source, options: ExtractOptions) -> Iterator[Source | Problem]:
        with source.open() as raw:
            yield from self._tar_stream(source, raw, options)

    def _tar_stream(self, source: Source, raw: IO[bytes], options: ExtractOptions) -> Iterator[Source | Problem]:
        limits = options.limits
        budget = Budget(limits)
        # Stream mode ("r|"): one pass, no seeking back, so compressed input is decompressed once.
        try:
            tf = tarfile.open(fileobj=raw, mode="r|")  # noqa: SIM115  (closed by the `with` below)
        except tarfile.TarError as exc:
            raise ExtractionError("corrupt_archive", f"{type(exc).__name__}: {exc}") from exc
        with tf:
            index = 0
            while True:
                try:
                    info = tf.next()
                except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
                    raise ExtractionError("corrupt_archive", f"{type(exc).__name__}: {exc}") from exc
                if info is None:
                    return
                index += 1
                if index > limits.max_archive_members:
                    yield _too_many(source, limits, index)
                    return
                if info.isdir() or _skipped(info.name):
                    continue
                location = _member_location(source, info.name)
                refusal = _tar_refusal(info, limits)
                if refusal:
                    yield Problem(location, *refusal)
                    continue
                member = tf.extractfile(info)
                if member is None:
                    yield Problem(location, "special_member", "not a regular file")
                    continue
                try:
                    spool = _spool(member, info, limits, budget, index)
                except ExtractionError as exc:
                    yield Problem(location, exc.reason, exc.detail)
                    continue
                try:
                    yield _member(source, info.name, info.size, _spool_opener(spool), location)
                finally:
                    spool.close()

    # -- gzip / bzip2 / xz ---------------------------------------------------------------------
    def _compressed_members(self, source: Source, options: ExtractOptions) -> Iterator[Source | Problem]:
        budget = Budget(options.limits)

        def opener() -> IO[bytes]:
            raw = source.open()
            guarded = _SafeStream(
                _decompressor(source.detected_type, raw),
                what=source.name,
                compressed=max(source.size, 1),
                limits=options.limits,
                budget=budget,
            )
            return cast(IO[bytes], guarded)

        with opener() as probe:
            head = probe.read(512)
        if len(head) == 512 and head[257:262] == b"ustar":
            with opener() as stream:
                yield from self._tar_stream(source, stream, options)
            return
        name = _inner_name(source.name, source.detected_type)
        yield _member(source, name, 0, opener, _member_location(source, name))


def _decompressor(kind: str, raw: IO[bytes]) -> IO[bytes]:
    if kind == "gzip":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw))
    if kind == "bzip2":
        return cast(IO[bytes], bz2.BZ2File(raw))
    return cast(IO[bytes], lzma.LZMAFile(raw))


def _inner_name(name: str, kind: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in _COMPRESSED_SUFFIXES[kind]:
        if base.lower().endswith(suffix):
            stem = base[: -len(suffix)]
            return stem + ".tar" if suffix.startswith(".t") and suffix != ".tar" else stem
    return base + ".out"


def _member_location(source: Source, path: str) -> dict[str, Any]:
    outer = source.location.get("member")
    return {**source.location, "member": f"{outer}!{path}" if outer else path}


def _member(source: Source, path: str, size: int, opener: Callable[[], IO[bytes]], location: dict[str, Any]) -> Source:
    return Source(name=path, size=size, opener=opener, location=location, depth=source.depth + 1)


def _too_many(source: Source, limits: Limits, seen: int) -> Problem:
    return Problem(
        dict(source.location),
        "too_many_members",
        f"more than {limits.max_archive_members} members (saw {seen}); the rest were not read",
    )


def _zip_refusal(info: zipfile.ZipInfo, limits: Limits) -> tuple[str, str] | None:
    why = unsafe_path(info.filename)
    if why:
        return "unsafe_path", why
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_IFMT(mode):  # Unix file type present (often it is not)
        if stat.S_ISLNK(mode):
            return "link_member", "symbolic link"
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
            return "special_member", f"file mode {oct(mode)}"
    if info.flag_bits & 0x1:
        return "encrypted_member", "password-protected member"
    try:
        check_size(info.file_size, info.compress_size, limits, info.filename)
    except ExtractionError as exc:
        return exc.reason, exc.detail
    return None


def _tar_refusal(info: tarfile.TarInfo, limits: Limits) -> tuple[str, str] | None:
    why = unsafe_path(info.name)
    if why:
        return "unsafe_path", why
    if info.issym() or info.islnk():
        return "link_member", f"{'symbolic' if info.issym() else 'hard'} link to {info.linkname!r}"
    if not info.isfile():
        return "special_member", "device, FIFO or other special file"
    if info.size > limits.max_member_bytes:
        return "member_too_large", f"{info.size} bytes declared (limit {limits.max_member_bytes})"
    return None


def _zip_opener(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: Budget, key: int
) -> Callable[[], IO[bytes]]:
    def opener() -> IO[bytes]:
        try:
            raw = zf.open(info)
        except NotImplementedError as exc:
            raise ExtractionError("unsupported_compression", str(exc)) from exc
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise ExtractionError("corrupt_archive", f"{type(exc).__name__}: {exc}") from exc
        guarded = _SafeStream(
            raw,
            what=info.filename,
            compressed=info.compress_size,
            limits=limits,
            budget=budget,
            budget_key=key,
        )
        return cast(IO[bytes], guarded)

    return opener


def _spool_opener(spool: IO[bytes]) -> Callable[[], IO[bytes]]:
    return lambda: cast(IO[bytes], _SpoolView(spool))


def _spool(member: IO[bytes], info: tarfile.TarInfo, limits: Limits, budget: Budget, key: int) -> IO[bytes]:
    """Copy one tar member (stream mode cannot go back) into an anonymous, bounded spool."""
    guarded = _SafeStream(
        member, what=info.name, compressed=max(info.size, 1), limits=limits, budget=budget, budget_key=key
    )
    spool = SealedSpool()  # memory, or a temp file sealed with a throw-away key: never plaintext on disk
    try:
        while chunk := guarded.read(1024 * 1024):
            spool.write(chunk)
    except BaseException:
        spool.discard()
        raise
    return spool.finish()
