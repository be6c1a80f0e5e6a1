"""Envelope encryption keys: master keys held by a key provider, data keys wrapped by them in a keyring.

One data key per contribution of a private dataset (key id `d<dataset>-c<contribution>`): it seals the
contribution's raw blobs and the record and decision shards its job wrote. Wrapped data keys live in
the keyring, one small file each under `<keys_dir>/data/`, apart from the catalog and the data.
Destroying a data key (crypto-shredding) overwrites and deletes its file: nothing the platform holds
can then decrypt what it sealed. Rotating the master key re-wraps every data key under a new master
and removes the old masters; the data itself is not re-encrypted.

`KeyProvider` is the seam for an external KMS (AWS KMS, GCP KMS, Vault transit, an HSM): implement
wrap / unwrap / rotate / retire / describe and name the class in `DATAHARBOR_KEY_PROVIDER`.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import re
import stat
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dataharbor.errors import ConfigError, HarborError, NotFound
from dataharbor.store.crypto import KEY_BYTES, DataKey

if TYPE_CHECKING:
    from dataharbor.config import Settings

ALGORITHM = "AES-256-GCM"
_KEY_ID = re.compile(r"d(\d+)-c(\d+)")


class KeyNotFound(NotFound):
    """The data key does not exist: never created, or destroyed (crypto-shredded)."""


class KeyUnwrapError(HarborError):
    """A key could not be unwrapped: wrong or missing master, or an altered keyring entry."""


@dataclass(frozen=True, slots=True)
class WrappedKey:
    master: str  # which master key (version) wrapped it; provider-specific id
    data: bytes  # provider-specific ciphertext of the data key


class KeyProvider(ABC):
    """Holds master keys and wraps data keys with them. The master key never leaves the provider."""

    name: str = "abstract"

    @abstractmethod
    def wrap(self, key: bytes, context: bytes) -> WrappedKey:
        """Seal `key` with the current master (created on first use); `context` is bound as associated data."""

    @abstractmethod
    def unwrap(self, wrapped: WrappedKey, context: bytes) -> bytes:
        """The data key, given the same `context` it was wrapped with; `KeyUnwrapError` when that fails."""

    @abstractmethod
    def rotate(self) -> str:
        """Create a new master key, make it current and return its id. Older masters stay until `retire`."""

    @abstractmethod
    def retire(self, keep: str) -> list[str]:
        """Destroy every master key except `keep` (called once nothing is wrapped by them); their ids."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """What an operator may see: provider, current master id, masters present. Never key material."""


class LocalKeyProvider(KeyProvider):
    """Master keys in files `master-<n>.key` (32 random bytes, mode 0600) in a 0700 folder.

    The highest `n` is current. Good for one machine; anyone who can read the folder and the store
    can read private data, so production deployments should plug in a KMS.
    """

    name = "local"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def wrap(self, key: bytes, context: bytes) -> WrappedKey:
        version = self._current() or self._create(1)
        nonce = os.urandom(12)
        sealed = AESGCM(self._load(version)).encrypt(nonce, key, context)
        return WrappedKey(str(version), nonce + sealed)

    def unwrap(self, wrapped: WrappedKey, context: bytes) -> bytes:
        if not wrapped.master.isdigit():
            raise KeyUnwrapError(f"master key id '{wrapped.master}' is not a local master version")
        version = int(wrapped.master)
        if version not in self._versions():
            raise KeyUnwrapError(f"master key {version} is not in {self.folder} (retired or lost)", master=version)
        try:
            return AESGCM(self._load(version)).decrypt(wrapped.data[:12], wrapped.data[12:], context)
        except InvalidTag:
            raise KeyUnwrapError("a wrapped data key failed authentication (altered entry or wrong master)") from None

    def rotate(self) -> str:
        return str(self._create((self._current() or 0) + 1))

    def retire(self, keep: str) -> list[str]:
        gone = []
        for version in self._versions():
            if str(version) != keep:
                shred_file(self._path(version))
                gone.append(str(version))
        return gone

    def describe(self) -> dict[str, Any]:
        current = self._current()
        return {
            "provider": self.name,
            "folder": str(self.folder),
            "current_master": str(current) if current else None,
            "masters": [str(v) for v in self._versions()],
        }

    def _path(self, version: int) -> Path:
        return self.folder / f"master-{version}.key"

    def _versions(self) -> list[int]:
        if not self.folder.is_dir():
            return []
        out = []
        for p in self.folder.glob("master-*.key"):
            n = p.stem.removeprefix("master-")
            if n.isdigit():
                out.append(int(n))
        return sorted(out)

    def _current(self) -> int | None:
        versions = self._versions()
        return versions[-1] if versions else None

    def _create(self, version: int) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        try:
            fd = os.open(self._path(version), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return version  # another process created it first: use theirs
        with os.fdopen(fd, "wb") as fh:
            fh.write(AESGCM.generate_key(bit_length=256))
            fh.flush()
            os.fsync(fh.fileno())
        return version

    def _load(self, version: int) -> bytes:
        path = self._path(version)
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(f"master key file {path} is readable by others (mode {oct(mode & 0o777)}): chmod 600 it")
        secret = path.read_bytes()
        if len(secret) != KEY_BYTES:
            raise KeyUnwrapError(f"master key file {path} is damaged ({len(secret)} bytes, expected {KEY_BYTES})")
        return secret


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """A keyring entry as an operator sees it (no key material)."""

    key_id: str
    dataset_id: int
    contribution_id: int
    master: str
    created_at: str
    rotated_at: str | None


def contribution_key_id(dataset_id: int, contribution_id: int) -> str:
    return f"d{dataset_id}-c{contribution_id}"


class Keyring:
    """Wrapped data keys, one file each: `<folder>/data/d<dataset>/c<contribution>.json`."""

    def __init__(self, folder: Path, provider: KeyProvider) -> None:
        self.folder = folder
        self.provider = provider
        self._cache: dict[str, DataKey] = {}  # unwrapped keys, memory only

    # -- data keys ---------------------------------------------------------------------------------

    def contribution_key(self, dataset_id: int, contribution_id: int, *, create: bool = False) -> DataKey:
        """The data key of one contribution; with `create`, made (and wrapped) when it does not exist yet."""
        key_id = contribution_key_id(dataset_id, contribution_id)
        if create and not self._entry_path(key_id).exists():
            key = DataKey.generate(key_id)
            self._write_entry(key_id, self.provider.wrap(key.secret, _context(key_id)), created=None)
            self._cache[key_id] = key
            return key
        return self.get(key_id)

    def get(self, key_id: str) -> DataKey:
        if key_id in self._cache:
            return self._cache[key_id]
        raw = self._read_entry(key_id)
        wrapped = WrappedKey(str(raw["master"]), base64.b64decode(raw["wrapped"]))
        key = DataKey(key_id, self.provider.unwrap(wrapped, _context(key_id)))
        self._cache[key_id] = key
        return key

    def entries(self) -> list[KeyEntry]:
        out = []
        for path in self._entry_files():
            raw = json.loads(path.read_text())
            out.append(
                KeyEntry(
                    raw["key_id"],
                    int(raw["dataset_id"]),
                    int(raw["contribution_id"]),
                    str(raw["master"]),
                    raw["created_at"],
                    raw.get("rotated_at"),
                )
            )
        return sorted(out, key=lambda e: (e.dataset_id, e.contribution_id))

    def destroy(self, key_id: str) -> bool:
        """Crypto-shred one data key: its keyring entry is overwritten and deleted. False if it was not there."""
        self._cache.pop(key_id, None)
        path = self._entry_path(key_id)
        if not path.exists():
            return False
        shred_file(path)
        return True

    def destroy_dataset(self, dataset_id: int) -> list[str]:
        """Crypto-shred every data key of a dataset; the key ids destroyed."""
        ids = [e.key_id for e in self.entries() if e.dataset_id == dataset_id]
        for key_id in ids:
            self.destroy(key_id)
        folder = self.folder / "data" / f"d{dataset_id}"
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        return ids

    # -- master key --------------------------------------------------------------------------------

    def rotate(self) -> dict[str, Any]:
        """New master key; every data key re-wrapped under it; the old masters destroyed.

        Crash-safe: entries are replaced one by one (atomic rename) and old masters are retired only
        after all are re-wrapped, so an interrupted rotation is finished by running it again.
        """
        new = self.provider.rotate()
        count = 0
        for path in self._entry_files():
            raw = json.loads(path.read_text())
            key_id = raw["key_id"]
            secret = self.provider.unwrap(
                WrappedKey(str(raw["master"]), base64.b64decode(raw["wrapped"])), _context(key_id)
            )
            self._write_entry(key_id, self.provider.wrap(secret, _context(key_id)), created=raw["created_at"])
            count += 1
        retired = self.provider.retire(new)
        return {"master": new, "rewrapped": count, "retired": retired}

    def status(self) -> dict[str, Any]:
        entries = self.entries()
        by_master: dict[str, int] = {}
        for e in entries:
            by_master[e.master] = by_master.get(e.master, 0) + 1
        return self.provider.describe() | {
            "keyring": str(self.folder / "data"),
            "data_keys": len(entries),
            "datasets": len({e.dataset_id for e in entries}),
            "data_keys_by_master": by_master,
        }

    # -- files -------------------------------------------------------------------------------------

    def _entry_path(self, key_id: str) -> Path:
        m = _KEY_ID.fullmatch(key_id)
        if m is None:
            raise KeyNotFound(f"'{key_id}' is not a data key id (expected d<dataset>-c<contribution>)", key=key_id)
        return self.folder / "data" / f"d{m[1]}" / f"c{m[2]}.json"

    def _entry_files(self) -> Iterator[Path]:
        data = self.folder / "data"
        if data.is_dir():
            yield from sorted(data.glob("d*/c*.json"))

    def _read_entry(self, key_id: str) -> dict[str, Any]:
        try:
            raw: dict[str, Any] = json.loads(self._entry_path(key_id).read_text())
        except FileNotFoundError:
            raise KeyNotFound(
                f"data key '{key_id}' is not in the keyring (destroyed or never created)", key=key_id
            ) from None
        return raw

    def _write_entry(self, key_id: str, wrapped: WrappedKey, *, created: str | None) -> None:
        m = _KEY_ID.fullmatch(key_id)
        assert m is not None
        path = self._entry_path(key_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in (self.folder, self.folder / "data", path.parent):
            os.chmod(folder, 0o700)
        now = datetime.now(UTC).isoformat()
        entry = {
            "key_id": key_id,
            "dataset_id": int(m[1]),
            "contribution_id": int(m[2]),
            "algorithm": ALGORITHM,
            "master": wrapped.master,
            "wrapped": base64.b64encode(wrapped.data).decode("ascii"),
            "created_at": created or now,
            "rotated_at": now if created else None,
        }
        tmp = path.with_suffix(".json.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(entry, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def _context(key_id: str) -> bytes:
    # binds a wrapped key to its id: an entry copied under another id does not unwrap
    return f"dataharbor/data-key/{key_id}".encode()


def shred_file(path: Path) -> None:
    """Overwrite a small secret file with random bytes, sync, then delete it.

    On copy-on-write or flash storage the old blocks may survive an overwrite; see docs/security.md.
    """
    try:
        size = path.stat().st_size
        os.chmod(path, 0o600)
        with open(path, "r+b") as fh:
            fh.write(os.urandom(max(size, 1)))
            fh.flush()
            os.fsync(fh.fileno())
    except FileNotFoundError:
        return
    path.unlink(missing_ok=True)


def local_provider(settings: Settings) -> KeyProvider:
    """The default provider, as a factory of the shape `DATAHARBOR_KEY_PROVIDER` names."""
    return LocalKeyProvider(settings.resolved_keys_dir)


def open_keyring(settings: Settings) -> Keyring:
    """The keyring and key provider the settings name (`local`, or `package.module:Factory`)."""
    folder = settings.resolved_keys_dir
    spec = settings.key_provider
    provider: KeyProvider
    if spec == "local":
        provider = local_provider(settings)
    else:
        module, _, attr = spec.partition(":")
        try:
            factory = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ConfigError(f"DATAHARBOR_KEY_PROVIDER '{spec}' cannot be loaded: {exc}") from None
        try:
            provider = factory(settings)
        except HarborError:
            raise
        except Exception as exc:  # a KMS client that cannot start: one clear configuration error
            raise ConfigError(f"DATAHARBOR_KEY_PROVIDER '{spec}' failed to start: {type(exc).__name__}: {exc}") from exc
        if not isinstance(provider, KeyProvider):
            raise ConfigError(f"DATAHARBOR_KEY_PROVIDER '{spec}' did not return a KeyProvider")
    return Keyring(folder, provider)


def private_area(key_id: str) -> str:
    """The store folder of a contribution's private files: `d<dataset>/c<contribution>`."""
    m = _KEY_ID.fullmatch(key_id)
    if m is None:
        raise ValueError(f"'{key_id}' is not a contribution key id")
    return f"d{m[1]}/c{m[2]}"
