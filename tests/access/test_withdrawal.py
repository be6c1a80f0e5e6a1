"""Withdrawal and erasure: crypto-shredding that holds, a new version without the records, Gone, receipts."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dataharbor.access import operations
from dataharbor.access.errors import Forbidden
from dataharbor.access.principals import actor_of, get_principal
from dataharbor.access.subjects import LOCAL_ADMIN, Actor, Scope
from dataharbor.access.withdrawal import Gone, get_withdrawal, receipt_hash, receipt_of, withdraw
from dataharbor.catalog import repo
from dataharbor.catalog.dedup_index import dedup_entries
from dataharbor.catalog.models import AuditEvent, DatasetVersion, File, Job, Withdrawal
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.jobs import run_job
from dataharbor.select.browse import iter_records, read_records
from dataharbor.store.crypto import DataKey, DecryptingReader, DecryptionError, is_encrypted, read_header
from dataharbor.store.keys import open_keyring

FIRST = "FIRSTMARK"


TOPICS = [
    "the harbour office ledger records grain shipments arriving before dawn at the east gate",
    "a lighthouse keeper describes winter storms, broken lamps and the long wait for supply boats",
    "the fishing cooperative voted to share nets, repair the slipway and hire two apprentices",
    "customs inspectors counted barrels of oil, crates of tea and bales of wool on the quay",
    "children from the village school visited the dry dock to watch the hull being painted red",
]


def _texts(folder: Path, marker: str, n: int, offset: int = 0) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        topic = TOPICS[(offset + i) % len(TOPICS)]
        (folder / f"{marker.lower()}-{i}.txt").write_text(f"Note {marker}: {topic}, entry {i}.\n")
    return folder


def _contribute(h: Harbor, ref: str, folder: Path) -> tuple[int, int]:
    """Upload and process a folder: (contribution id, job id)."""
    with h.catalog.session() as s:
        res = upload(s, h.store, dataset_ref=ref, paths=[folder], profile="minimal")
    run_job(h.catalog, h.settings, res.job_id)
    return res.contribution_id, res.job_id


def _version(h: Harbor, ref: str, number: int | None = None) -> DatasetVersion:
    with h.catalog.session() as s:
        return repo.get_version(s, repo.get_dataset(s, ref), number)


def _ids_by_contribution(h: Harbor, v: DatasetVersion, *, dropped: bool = False) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for r in iter_records(h.store, v, dropped=dropped):
        out.setdefault(r.provenance.contribution_id, set()).add(r.id)
    return out


@dataclass
class World:
    h: Harbor
    ref: str
    c1: int
    c2: int
    job1: int
    actors: dict[str, Actor]
    base: Path


def _world(h: Harbor, make_dataset: Callable[..., str], make_principal: Callable[..., int], tier: str) -> World:
    ref = make_dataset("port/ledger", tier=tier, license="LicenseRef-port" if tier == "private" else "CC-BY-4.0")
    make_dataset("other/things", tier="private", license="LicenseRef-x")
    for name, role, partner in [
        ("pam", "partner_admin", "port"),
        ("mel", "partner_member", "port"),
        ("olga", "partner_admin", "other"),
        ("tina", "trainer", None),
        ("audrey", "auditor", None),
    ]:
        make_principal(name, role, partner=partner)
    base = h.settings.resolved_home.parent
    c1, job1 = _contribute(h, ref, _texts(base / "first", FIRST, 3))
    c2, _ = _contribute(h, ref, _texts(base / "second", "LATERMARK", 2, offset=3))
    with h.catalog.session() as s:
        actors = {n: actor_of(get_principal(s, n), Scope.WRITE) for n in ("pam", "mel", "olga", "tina", "audrey")}
    return World(h, ref, c1, c2, job1, actors, base)


@pytest.fixture
def private(harbor: Harbor, make_dataset: Any, make_principal: Any) -> World:
    return _world(harbor, make_dataset, make_principal, "private")


@pytest.fixture
def open_world(harbor: Harbor, make_dataset: Any, make_principal: Any) -> World:
    return _world(harbor, make_dataset, make_principal, "open")


def _sealed_with(home: Path, key_id: str) -> dict[Path, bytes]:
    """Every file under `home` sealed with `key_id`, with its bytes (as a backup or a stolen disk holds them)."""
    out = {}
    for p in home.rglob("*"):
        if p.is_file():
            with p.open("rb") as fh:
                if is_encrypted(fh.read(8)):
                    fh.seek(0)
                    if read_header(fh).key_id == key_id:
                        out[p] = p.read_bytes()
    return out


def test_after_withdrawal_the_raw_bytes_cannot_be_decrypted_with_anything_the_platform_holds(
    private: World, act_as: Any
) -> None:
    h, home = private.h, private.h.settings.resolved_home
    ds_id = _version(h, private.ref).dataset_id
    gone_key, kept_key = f"d{ds_id}-c{private.c1}", f"d{ds_id}-c{private.c2}"
    copies = _sealed_with(home, gone_key)  # 3 raw blobs + the records (and maybe decisions) shard
    assert sum("blobs/private" in str(p) for p in copies) == 3 and any(p.suffix == ".parquet" for p in copies)

    with act_as(private.actors["pam"]) as acc:
        w = withdraw(acc, h.store, dataset=private.ref, contribution=private.c1, reason="consent withdrawn")
        assert w.state == "done"

    # nothing sealed with the withdrawn key is left on disk, and no file holds the marker
    assert _sealed_with(home, gone_key) == {}
    assert not [p for p in home.rglob("*") if p.is_file() and FIRST.encode() in p.read_bytes()]
    # the copies (a backup, a stolen disk) do not open with anything the platform still holds
    ring = open_keyring(h.settings)
    assert [e.key_id for e in ring.entries()] == [kept_key]
    secrets = [ring.get(e.key_id).secret for e in ring.entries()]
    secrets += [p.read_bytes() for p in h.settings.resolved_keys_dir.glob("master-*.key")]
    assert len(secrets) == 2
    for data in copies.values():
        tmp = home.parent / "copy.bin"
        tmp.write_bytes(data)
        for secret in secrets:
            with pytest.raises(DecryptionError), DecryptingReader(tmp.open("rb"), DataKey(gone_key, secret)) as r:
                r.verify()
    # the other contribution still opens
    for p in _sealed_with(home, kept_key):
        with DecryptingReader(p.open("rb"), ring.get(kept_key)) as r:
            assert r.verify() >= 0


def test_new_version_holds_all_other_records_and_old_versions_are_gone(private: World, act_as: Any) -> None:
    h = private.h
    v2 = _version(h, private.ref)
    kept_before = _ids_by_contribution(h, v2)
    dropped_before = _ids_by_contribution(h, v2, dropped=True)
    assert set(kept_before) == {private.c1, private.c2}
    with act_as(private.actors["pam"]) as acc:
        w = withdraw(acc, h.store, dataset=private.ref, contribution=private.c1, reason="consent withdrawn")
        reference = w.reference

    v3 = _version(h, private.ref)
    assert (v3.number, v3.state, v3.parent_number) == (3, "processed", 2)
    assert _ids_by_contribution(h, v3) == {private.c2: kept_before[private.c2]}
    assert _ids_by_contribution(h, v3, dropped=True) == {c: ids for c, ids in dropped_before.items() if c == private.c2}
    assert v3.stats["version"]["records"] == len(kept_before[private.c2])
    for number in (1, 2):
        assert _version(h, private.ref, number).state == "withdrawn"
        # the owner, a trainer (who may see the metadata) and an admin all get Gone with the reference
        for actor in (private.actors["pam"], private.actors["tina"], LOCAL_ADMIN):
            with act_as(actor) as acc, pytest.raises(Gone, match=reference) as exc:
                read_records(acc, h.store, _version(h, private.ref, number), purpose="training")
            assert exc.value.exit_code == 8 and exc.value.reference == reference
        with act_as(None) as acc, pytest.raises(Forbidden):  # anonymous: not even the metadata
            read_records(acc, h.store, _version(h, private.ref, number))
    with h.catalog.session() as s:  # the trainer's attempt shows in the partner's log
        ev = s.scalars(select(AuditEvent).where(AuditEvent.principal == "tina").order_by(AuditEvent.seq)).all()
        assert ev and not ev[-1].allowed and reference in ev[-1].reason


def test_the_receipt_lists_files_keys_records_and_versions(private: World, act_as: Any) -> None:
    h = private.h
    v2 = _version(h, private.ref)
    c1_kept = len(_ids_by_contribution(h, v2)[private.c1])
    with h.catalog.session() as s:
        files = s.scalars(select(File).where(File.contribution_id == private.c1).order_by(File.id)).all()
        expected_files = [(f.name, f.sha256, f.size) for f in files]
    with act_as(private.actors["pam"]) as acc:
        w = withdraw(acc, h.store, dataset=private.ref, contribution=private.c1, reason="consent withdrawn")
        r = receipt_of(w)
    ds_id = v2.dataset_id
    assert r["reference"].startswith("W-") and r["state"] == "done" and r["scope"] == "contribution"
    assert (r["requested_by"], r["reason"], r["dataset"]) == ("pam", "consent withdrawn", private.ref)
    assert [(f["name"], f["sha256"], f["size"]) for f in r["raw_files"]] == expected_files
    assert all(f["blob"] == "deleted" for f in r["raw_files"])
    assert r["keys_destroyed"] == [f"d{ds_id}-c{private.c1}"]
    assert r["records"]["kept"] == c1_kept
    assert {sh["key_id"] for sh in r["shard_files"]} == {f"d{ds_id}-c{private.c1}"}
    assert all(sh["deleted"] and len(sh["sha256"]) == 64 for sh in r["shard_files"])
    assert [a["number"] for a in r["affected_versions"]] == [1, 2]
    assert [(a["kind"], a["id"], a["state"]) for a in r["derived_artefacts"]] == [
        ("dataset_version", "v1", "withdrawn"),
        ("dataset_version", "v2", "withdrawn"),
    ]
    assert r["new_version"]["number"] == 3 and r["dedup_index_entries_removed"] >= c1_kept
    assert "recall_notice" not in r  # private data was never published
    body = {k: v for k, v in r.items() if k not in ("state", "receipt_hash")}
    assert r["receipt_hash"] == receipt_hash(body)
    with h.catalog.session() as s:  # the receipt's hash is in the hash-chained audit log
        done = s.scalars(select(AuditEvent).where(AuditEvent.action == "data.withdraw")).all()
        assert [e.details["state"] for e in done] == ["pending", "done"]
        assert done[-1].details["receipt_hash"] == r["receipt_hash"]
    # auditors read receipts; trainers do not
    with act_as(private.actors["audrey"]) as acc:
        assert receipt_of(get_withdrawal(acc, r["reference"]))["receipt_hash"] == r["receipt_hash"]
    with act_as(private.actors["tina"]) as acc, pytest.raises(Forbidden):
        get_withdrawal(acc, r["reference"])
    # a second withdrawal of the same contribution is refused with the first one's reference
    with act_as(private.actors["pam"]) as acc, pytest.raises(Exception, match=r["reference"]):
        withdraw(acc, h.store, dataset=private.ref, contribution=private.c1, reason="again")


@pytest.mark.parametrize("who", ["tina", "mel", "olga", "audrey"])
def test_only_the_owners_admin_or_an_admin_may_withdraw(private: World, act_as: Any, who: str) -> None:
    h = private.h
    with act_as(private.actors[who]) as acc, pytest.raises(Forbidden):
        withdraw(acc, h.store, dataset=private.ref, contribution=private.c1, reason="not mine")
    with h.catalog.session() as s:
        assert s.scalar(select(func.count()).select_from(Withdrawal)) == 0
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "data.withdraw")).all()
        assert [(e.principal, e.allowed) for e in ev] == [(who, False)]
    assert _version(h, private.ref).number == 2 and _version(h, private.ref, 1).state != "withdrawn"


def test_open_tier_receipt_says_copies_cannot_be_recalled(open_world: World, act_as: Any) -> None:
    h = open_world.h
    with h.catalog.session() as s:  # a curator released both versions: anyone could download them
        for v in repo.list_versions(s, repo.get_dataset(s, open_world.ref).id):
            v.state = "approved"
    versions = [_version(h, open_world.ref, n) for n in (1, 2)]
    with h.catalog.session() as s:
        first = s.scalars(select(File).where(File.contribution_id == open_world.c1).order_by(File.id)).all()
    # the same bytes as one withdrawn file, contributed to another open dataset: its shared blob must stay
    with h.catalog.session() as s:
        repo.create_dataset(s, partner="other", name="mirror", tier="open", license="CC0-1.0")
    shutil.copy(open_world.base / "first" / "firstmark-0.txt", open_world.base / "copy.txt")
    _contribute(h, "other/mirror", open_world.base / "copy.txt")

    with act_as(open_world.actors["pam"]) as acc:
        r = receipt_of(withdraw(acc, h.store, dataset=open_world.ref, contribution=open_world.c1, reason="oops"))
    assert "cannot be recalled" in r["recall_notice"]
    assert r["public_releases"] == [
        {"number": v.number, "state": "approved", "integrity_root": v.integrity_root} for v in versions
    ]
    assert r["keys_destroyed"] == []
    blobs = {f["name"]: f["blob"] for f in r["raw_files"]}
    assert blobs.pop("first/firstmark-0.txt").startswith("retained")
    assert set(blobs.values()) == {"deleted"}
    for f in first:
        assert h.store.exists(f.sha256) is (f.name == "first/firstmark-0.txt")
    for sh in r["shard_files"]:
        assert not (Path(h.store.root) / sh["path"]).exists()
    v3 = _version(h, open_world.ref)
    assert v3.number == 3 and set(_ids_by_contribution(h, v3)) == {open_world.c2}
    with act_as(None) as acc, pytest.raises(Gone):  # open metadata: anyone is told it is gone
        read_records(acc, h.store, _version(h, open_world.ref, 1))


def test_a_half_done_withdrawal_is_completed_by_running_it_again(
    private: World, act_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = private.h
    c2_ids = _ids_by_contribution(h, _version(h, private.ref))[private.c2]
    real_rm = h.store.fs.rm

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk unplugged")

    monkeypatch.setattr(h.store.fs, "rm", crash)
    with act_as(private.actors["pam"]) as acc, pytest.raises(OSError, match="unplugged"):
        withdraw(acc, h.store, dataset=private.ref, contribution=private.c1, reason="consent withdrawn")
    monkeypatch.setattr(h.store.fs, "rm", real_rm)
    with h.catalog.session() as s:
        w = s.scalars(select(Withdrawal)).one()
        assert w.state == "failed" and "unplugged" in w.receipt["error"]
        reference = w.reference
    # half-way: no readable version holds a withdrawn record, and the key is already destroyed
    latest = _version(h, private.ref)
    assert latest.number == 3 and _ids_by_contribution(h, latest) == {private.c2: c2_ids}
    assert [_version(h, private.ref, n).state for n in (1, 2)] == ["withdrawn", "withdrawn"]
    assert private.c1 not in {e.contribution_id for e in open_keyring(h.settings).entries()}

    with act_as(private.actors["pam"]) as acc:  # the same command again resumes it
        w2 = withdraw(acc, h.store, dataset=private.ref, contribution=private.c1, reason="ignored on resume")
        r = receipt_of(w2)
    assert (w2.reference, r["state"], r["reason"]) == (reference, "done", "consent withdrawn")
    assert "error" not in r and r["new_version"]["number"] == 3
    assert _version(h, private.ref).number == 3  # no second new version
    assert not list((Path(h.store.root) / "blobs" / "private").rglob(f"c{private.c1}/*"))


def test_withdrawn_records_leave_the_dedup_index_so_a_reupload_is_not_a_duplicate(private: World, act_as: Any) -> None:
    h = private.h
    first_ids = _ids_by_contribution(h, _version(h, private.ref))[private.c1]

    def indexed(job: int) -> int:
        with h.catalog.session() as s:
            return int(s.scalar(select(func.count()).where(dedup_entries.c.job_id == job)) or 0)

    assert indexed(private.job1) == len(first_ids)
    with act_as(private.actors["pam"]) as acc:
        withdraw(acc, h.store, dataset=private.ref, contribution=private.c1, reason="consent withdrawn")
    assert indexed(private.job1) == 0
    with h.catalog.session() as s:
        assert {f.status for f in s.scalars(select(File).where(File.contribution_id == private.c1))} == {"withdrawn"}
        assert s.get(Job, private.job1) is not None

    # the partner uploads the same files again (e.g. consent given anew): processed, nothing dropped as seen
    c3, _ = _contribute(h, private.ref, private.base / "first")
    with h.catalog.session() as s:
        assert {f.status for f in s.scalars(select(File).where(File.contribution_id == c3))} == {"ok"}
    v4 = _version(h, private.ref)
    assert _ids_by_contribution(h, v4)[c3] == first_ids
    assert c3 not in _ids_by_contribution(h, v4, dropped=True)


def test_withdrawing_a_whole_dataset(private: World, act_as: Any) -> None:
    h = private.h
    ds_id = _version(h, private.ref).dataset_id
    with act_as(LOCAL_ADMIN) as acc:
        r = receipt_of(withdraw(acc, h.store, dataset=private.ref, reason="partnership ended"))
    assert r["scope"] == "dataset" and r["new_version"] is None
    assert sorted(r["keys_destroyed"]) == [f"d{ds_id}-c{private.c1}", f"d{ds_id}-c{private.c2}"]
    assert [a["number"] for a in r["affected_versions"]] == [1, 2]
    assert not [e for e in open_keyring(h.settings).entries() if e.dataset_id == ds_id]
    root = Path(h.store.root)
    assert not (root / "versions" / f"d{ds_id}").exists() and not (root / "blobs" / "private" / f"d{ds_id}").exists()
    with h.catalog.session() as s:
        assert all(v.state == "withdrawn" for v in repo.list_versions(s, ds_id))
        assert s.scalar(select(func.count()).where(dedup_entries.c.dataset_id == ds_id)) == 0
    with act_as(private.actors["pam"]) as acc, pytest.raises(Gone, match=r["reference"]):  # no new uploads
        operations.upload(acc, h.store, dataset_ref=private.ref, paths=[private.base / "first"])
