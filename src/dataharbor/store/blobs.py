"""Content-addressed, immutable blob store over any fsspec filesystem (local disk by default).

Writes stream through a hash in fixed-size chunks, so a multi-GB upload never sits in memory;
identical bytes are stored once.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import fsspec

from dataharbor.errors import NotFound

CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BlobInfo:
    sha256: str
    size: int
    existed: bool  # the same bytes were already stored


class BlobStore:
    """`blobs/<aa>/<bb>/<sha256>` under the store root; `tmp/` holds in-flight writes."""

    def __init__(self, url: str) -> None:
        self.url = url
        fs, root = fsspec.core.url_to_fs(url)
        self.fs: Any = fs
        self.root = root.rstrip("/")
        self._local = getattr(fs, "protocol", None) in ("file", ("file", "local"))
        self.fs.makedirs(f"{self.root}/tmp", exist_ok=True)

    def path(self, sha256: str) -> str:
        return f"{self.root}/blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def exists(self, sha256: str) -> bool:
        return bool(self.fs.exists(self.path(sha256)))

    def put_file(self, path: str | Path) -> BlobInfo:
        with open(path, "rb") as fh:
            return self.put_stream(fh)

    def put_stream(self, fh: IO[bytes]) -> BlobInfo:
        tmp = f"{self.root}/tmp/{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        size = 0
        try:
            with self.fs.open(tmp, "wb") as out:
                while chunk := fh.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            final = self.path(sha)
            if self.fs.exists(final):
                self.fs.rm(tmp)
                return BlobInfo(sha, size, existed=True)
            self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
            self.fs.mv(tmp, final)
            if self._local:
                os.chmod(final, 0o444)  # raw uploads are immutable
            return BlobInfo(sha, size, existed=False)
        except BaseException:
            if self.fs.exists(tmp):
                self.fs.rm(tmp)
            raise

    def open(self, sha256: str) -> IO[bytes]:
        try:
            return self.fs.open(self.path(sha256), "rb")  # type: ignore[no-any-return]
        except FileNotFoundError:
            raise NotFound(f"blob {sha256} is not in the store", sha256=sha256) from None

    def size(self, sha256: str) -> int:
        return int(self.fs.size(self.path(sha256)))

    def delete(self, sha256: str) -> None:
        p = self.path(sha256)
        if self.fs.exists(p):
            if self._local:
                os.chmod(p, 0o644)
            self.fs.rm(p)

    def local_path(self, sha256: str) -> str | None:
        """A path on local disk when the store is local (lets extractors mmap/seek cheaply)."""
        return self.path(sha256) if self._local else None
