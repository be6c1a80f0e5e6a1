"""Content-addressed, immutable blob store over any fsspec filesystem (local disk by default).

Writes stream through a hash in fixed-size chunks, so a multi-GB upload never sits in memory;
identical bytes are stored once.

Blobs of private datasets are different: sealed with their contribution's data key (see
`store/crypto.py`) and kept in that contribution's own area, `blobs/private/d<dataset>/c<contribution>/`,
never in the shared content-addressed area (which would reveal that the same file is in another
dataset, and could not be crypto-shredded per contribution). Every method takes the data key as
`key=`; without it the shared, plaintext area is meant.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import fsspec

from dataharbor.errors import ConfigError, MissingExtra, NotFound
from dataharbor.store.crypto import DataKey, DecryptingReader, EncryptingWriter, open_decrypted
from dataharbor.store.keys import Keyring, private_area

CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class BlobInfo:
    sha256: str
    size: int
    existed: bool  # the same bytes were already stored


class BlobStore:
    """`blobs/<aa>/<bb>/<sha256>` under the store root; `tmp/` holds in-flight writes.

    `keys` is the keyring private data needs (Harbor.open and run_job pass it); a store without one
    refuses private reads and writes rather than falling back to plaintext.
    """

    def __init__(self, url: str, keys: Keyring | None = None) -> None:
        self.url = url
        self.keys = keys
        try:
            fs, root = fsspec.core.url_to_fs(url)
        except ImportError as exc:  # the protocol's fsspec backend is not installed
            if url.startswith(("s3://", "s3a://")):
                raise MissingExtra("An S3 store", "s3fs", "s3") from exc
            raise ConfigError(f"The store URL '{url}' needs a package that is not installed: {exc}") from exc
        self.fs: Any = fs
        self.root = root.rstrip("/")
        self._local = getattr(fs, "protocol", None) in ("file", ("file", "local"))
        self.fs.makedirs(f"{self.root}/tmp", exist_ok=True)

    @property
    def keyring(self) -> Keyring:
        if self.keys is None:
            raise ConfigError("this store was opened without a keyring: private data cannot be read or written")
        return self.keys

    def path(self, sha256: str, key: DataKey | None = None) -> str:
        if key is not None:
            return f"{self.root}/blobs/private/{private_area(key.key_id)}/{sha256}"
        return f"{self.root}/blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def exists(self, sha256: str, key: DataKey | None = None) -> bool:
        return bool(self.fs.exists(self.path(sha256, key)))

    def put_file(self, path: str | Path, key: DataKey | None = None) -> BlobInfo:
        with open(path, "rb") as fh:
            return self.put_stream(fh, key)

    def put_stream(self, fh: IO[bytes], key: DataKey | None = None) -> BlobInfo:
        """Store `fh`; with `key`, sealed in that contribution's private area (the hash is of the plaintext)."""
        tmp = f"{self.root}/tmp/{uuid.uuid4().hex}"
        digest = hashlib.sha256()
        try:
            with self.fs.open(tmp, "wb") as raw:
                if key is None:
                    size = _copy(fh, raw, digest)
                else:
                    with EncryptingWriter(raw, key) as sealed:
                        size = _copy(fh, sealed, digest)
            sha = digest.hexdigest()
            final = self.path(sha, key)
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

    def open(self, sha256: str, key: DataKey | None = None) -> IO[bytes]:
        """The blob's bytes; a private blob is decrypted chunk by chunk as it is read (seekable, never spooled)."""
        try:
            fh = self.fs.open(self.path(sha256, key), "rb")
        except FileNotFoundError:
            raise NotFound(f"blob {sha256} is not in the store", sha256=sha256) from None
        return open_decrypted(fh, key, name=f"blob {sha256}") if key is not None else fh  # type: ignore[no-any-return]

    def size(self, sha256: str, key: DataKey | None = None) -> int:
        if key is None:
            return int(self.fs.size(self.path(sha256)))
        with DecryptingReader(self.fs.open(self.path(sha256, key), "rb"), key) as reader:
            return reader.size

    def delete(self, sha256: str, key: DataKey | None = None) -> None:
        p = self.path(sha256, key)
        if self.fs.exists(p):
            if self._local:
                os.chmod(p, 0o644)
            self.fs.rm(p)

    def local_path(self, sha256: str, key: DataKey | None = None) -> str | None:
        """A path on local disk when the store is local and the blob is plaintext (lets extractors mmap/seek)."""
        return self.path(sha256) if self._local and key is None else None

    # -- files of versions (shards) ----------------------------------------------------------------

    def move_folder(self, src: str, dst: str) -> None:
        """Move a folder of the store (paths relative to its root): one rename on disk; on an object store
        (no renames), a copy of each object, then the source removed. Not atomic there: callers publish
        by a catalog commit after the move, and clear a half-moved folder before trying again."""
        a, b = f"{self.root}/{src}", f"{self.root}/{dst}"
        if self._local:
            self.fs.mv(a, b, recursive=True)
            return
        files = sorted(self.fs.find(a))
        if files:  # an empty folder does not exist on an object store
            self.fs.copy(files, [b + f[len(a) :] for f in files])
            self.fs.rm(files)

    def shard_key(self, shard: dict[str, Any]) -> DataKey | None:
        """The data key a manifest shard entry was sealed with (None for a plaintext shard)."""
        key_id = shard.get("key_id")
        return self.keyring.get(str(key_id)) if key_id else None


def share_store_options(url: str, options: dict[str, Any]) -> None:
    """Make `options` (endpoint, credentials) the defaults of every filesystem of the URL's protocol, in this
    process and in the processes it starts: pool workers open the store from its URL alone."""
    protocol = url.split("://", 1)[0]
    fsspec.config.conf.setdefault(protocol, {}).update(options)
    os.environ[f"FSSPEC_{protocol.upper()}"] = json.dumps(fsspec.config.conf[protocol])  # read when fsspec loads


def _copy(src: IO[bytes], out: Any, digest: Any) -> int:
    size = 0
    while chunk := src.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        out.write(chunk)
    return size
