"""Key provider and keyring: master keys on first use, wrapped data keys, destruction and rotation."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest

from dataharbor.config import Settings
from dataharbor.errors import ConfigError
from dataharbor.store.blobs import BlobStore
from dataharbor.store.crypto import DecryptionError
from dataharbor.store.keys import (
    KeyNotFound,
    Keyring,
    KeyUnwrapError,
    LocalKeyProvider,
    open_keyring,
)


def _ring(tmp_path: Path) -> Keyring:
    return open_keyring(Settings(home=tmp_path / "harbor"))


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_nothing_is_created_until_a_key_is_needed(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    assert ring.status()["data_keys"] == 0 and ring.status()["current_master"] is None
    with pytest.raises(KeyNotFound, match="not in the keyring"):
        ring.get("d1-c1")
    assert not (tmp_path / "harbor" / "keys").exists()


def test_master_key_and_entries_are_private_files(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    key = ring.contribution_key(1, 2, create=True)
    folder = tmp_path / "harbor" / "keys"
    master = folder / "master-1.key"
    assert _mode(folder) == 0o700 and _mode(master) == 0o600 and len(master.read_bytes()) == 32
    entry_path = folder / "data" / "d1" / "c2.json"
    assert _mode(entry_path) == 0o600
    entry = json.loads(entry_path.read_text())
    assert entry["master"] == "1" and entry["key_id"] == key.key_id == "d1-c2"
    assert key.secret.hex() not in entry_path.read_text() and key.secret not in entry_path.read_bytes()
    # a fresh keyring (another process) unwraps the same key; `create` does not replace an existing one
    again = _ring(tmp_path)
    assert again.get("d1-c2").secret == key.secret
    assert again.contribution_key(1, 2, create=True).secret == key.secret


def test_an_entry_copied_under_another_id_does_not_unwrap(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    ring.contribution_key(1, 1, create=True)
    data = tmp_path / "harbor" / "keys" / "data"
    (data / "d1" / "c9.json").write_text((data / "d1" / "c1.json").read_text().replace('"d1-c1"', '"d1-c9"'))
    with pytest.raises(KeyUnwrapError, match="failed authentication"):
        _ring(tmp_path).get("d1-c9")


def test_a_master_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    ring.contribution_key(1, 1, create=True)
    os.chmod(tmp_path / "harbor" / "keys" / "master-1.key", 0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        _ring(tmp_path).get("d1-c1")


def test_destroy_one_key_and_a_whole_dataset(tmp_path: Path) -> None:
    ring = _ring(tmp_path)
    for ds, c in [(1, 1), (1, 2), (2, 3)]:
        ring.contribution_key(ds, c, create=True)
    assert ring.destroy("d1-c1") and not ring.destroy("d1-c1")
    with pytest.raises(KeyNotFound):
        ring.get("d1-c1")  # not even from the in-memory cache
    assert ring.destroy_dataset(1) == ["d1-c2"]
    assert [e.key_id for e in ring.entries()] == ["d2-c3"]
    assert not (tmp_path / "harbor" / "keys" / "data" / "d1").exists()


def test_rotation_rewraps_every_key_and_removes_the_old_master(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "harbor")
    ring = open_keyring(settings)
    store = BlobStore(settings.resolved_store_url, ring)
    blobs = {}
    for ds, c in [(1, 1), (1, 2), (2, 3)]:
        key = ring.contribution_key(ds, c, create=True)
        blobs[key.key_id] = (store.put_stream(io.BytesIO(f"content of {key.key_id}".encode()), key).sha256, key)
    folder = tmp_path / "harbor" / "keys"
    old_master = (folder / "master-1.key").read_bytes()
    sealed_before = {p: p.read_bytes() for p in (tmp_path / "harbor" / "store" / "blobs").rglob("*") if p.is_file()}
    out = ring.rotate()
    assert out == {"master": "2", "rewrapped": 3, "retired": ["1"]}
    assert not (folder / "master-1.key").exists() and (folder / "master-2.key").read_bytes() != old_master
    # data untouched; every key unwraps under the new master in a fresh process-like keyring
    assert {p: p.read_bytes() for p in sealed_before} == sealed_before
    fresh = open_keyring(settings)
    assert fresh.status()["data_keys_by_master"] == {"2": 3} and fresh.status()["masters"] == ["2"]
    for key_id, (sha, key) in blobs.items():
        assert fresh.get(key_id).secret == key.secret
        with BlobStore(settings.resolved_store_url, fresh).open(sha, fresh.get(key_id)) as fh:
            assert fh.read() == f"content of {key_id}".encode()
    assert fresh.entries()[0].rotated_at is not None


def test_a_store_without_a_keyring_refuses_private_work(tmp_path: Path) -> None:
    store = BlobStore(str(tmp_path / "store"))
    with pytest.raises(ConfigError, match="without a keyring"):
        store.shard_key({"key_id": "d1-c1"})
    assert store.shard_key({"path": "x"}) is None


def test_a_destroyed_key_cannot_open_its_blob(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "harbor")
    ring = open_keyring(settings)
    store = BlobStore(settings.resolved_store_url, ring)
    key = ring.contribution_key(1, 1, create=True)
    other = ring.contribution_key(1, 2, create=True)
    sha = store.put_stream(io.BytesIO(b"to be withdrawn"), key).sha256
    ring.destroy(key.key_id)
    with pytest.raises(KeyNotFound):
        open_keyring(settings).get(key.key_id)
    with pytest.raises(DecryptionError):
        store.open(sha, other.__class__(key.key_id, other.secret)).read()


def test_a_provider_is_plugged_in_by_name(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "harbor", key_provider="dataharbor.store.keys:local_provider")
    assert isinstance(open_keyring(settings).provider, LocalKeyProvider)
    with pytest.raises(ConfigError, match="cannot be loaded"):
        open_keyring(Settings(home=tmp_path / "harbor", key_provider="no.such.module:Kms"))
    with pytest.raises(ConfigError, match="did not return a KeyProvider"):
        open_keyring(Settings(home=tmp_path / "harbor", key_provider="dataharbor.store.crypto:DecryptionError"))
    with pytest.raises(ConfigError, match="failed to start"):
        open_keyring(Settings(home=tmp_path / "harbor", key_provider="dataharbor.store.keys:contribution_key_id"))


def test_keys_status_and_rotate_from_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from dataharbor.access.errors import Forbidden
    from dataharbor.cli import app

    runner = CliRunner()
    home = tmp_path / "h"
    assert runner.invoke(app, ["--home", str(home), "init"]).exit_code == 0
    ring = open_keyring(Settings(home=home))
    ring.contribution_key(1, 1, create=True)
    ring.contribution_key(2, 2, create=True)

    def run(*args: str) -> dict[str, object]:
        result = runner.invoke(app, ["--home", str(home), "keys", *args, "--json"])
        assert result.exit_code == 0, (result.output, result.exception)
        return json.loads(result.output)  # type: ignore[no-any-return]

    status = run("status")
    assert status["provider"] == "local" and status["current_master"] == "1" and status["data_keys"] == 2
    assert run("rotate") == {"master": "2", "rewrapped": 2, "retired": ["1"]}
    assert run("status")["data_keys_by_master"] == {"2": 2}
    text = runner.invoke(app, ["--home", str(home), "keys", "status"]).output
    assert "current_master" in text and ring.get("d1-c1").secret.hex() not in text
    # only admins: a trainer, even with an admin-scope token, is denied, and nothing rotates
    assert runner.invoke(app, ["--home", str(home), "principal", "add", "tina", "--role", "trainer"]).exit_code == 0
    made = runner.invoke(app, ["--home", str(home), "token", "create", "tina", "--scope", "admin", "--json"])
    token = json.loads(made.output)["token"]
    for args in (("rotate",), ("status",)):
        denied = runner.invoke(app, ["--home", str(home), "keys", *args, "--token", token])
        assert isinstance(denied.exception, Forbidden) and "keys.manage" in str(denied.exception), denied.output
    assert run("status")["current_master"] == "2"
    # the rotation and the denials are in the audit log
    events = json.loads(runner.invoke(app, ["--home", str(home), "auditlog", "list", "--json"]).output)
    keys_events = [(e["principal"], e["allowed"]) for e in events if e["action"] == "keys.manage"]
    assert ("local-admin", True) in keys_events and keys_events.count(("tina", False)) == 2
