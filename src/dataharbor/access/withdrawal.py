"""Withdrawal and erasure: a partner takes back a contribution or a whole dataset, and gets a deletion receipt.

The steps, each safe to repeat, in an order that never leaves a readable version holding withdrawn records:

1. **begin** — authorize (`data.withdraw`), plan (contributions, files, shards, keys, the versions that hold
   them), cancel the contribution's queued jobs, and commit a `pending` `Withdrawal` row holding the plan.
2. **republish** — one transaction: a new version made of the latest readable version's shards minus the
   withdrawn ones (no file is written: shards are carried forward by reference), and every version that held
   withdrawn shards marked `withdrawn` (reading it answers `Gone` with the reference).
3. **shred** — private tier: destroy the data keys (crypto-shredding); from here nothing the platform holds
   decrypts a byte of the withdrawn data.
4. **delete** — the raw blobs and the withdrawn shard files.
5. **forget** — the dedup index entries the contribution's jobs wrote (so its records no longer count as seen).
6. **receipt** — affected versions and derived artefacts listed and flagged, the receipt hashed, stored, and its
   hash written to the audit log; state `done`.

A withdrawal that stops half-way stays `pending` (or `failed`, with the error in the receipt): running the same
`withdraw` again resumes it from the stored plan. See docs/security.md, "Withdrawal and erasure".
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from dataharbor.access.clock import as_utc
from dataharbor.access.context import AccessContext
from dataharbor.access.policy import RELEASED_STATES, Action, Decision
from dataharbor.access.resources import dataset_resource
from dataharbor.catalog import repo
from dataharbor.catalog.dedup_index import DedupIndex
from dataharbor.catalog.models import Contribution, Dataset, DatasetVersion, File, Job, Withdrawal
from dataharbor.domain.enums import FileStatus, JobState, Tier, VersionState
from dataharbor.errors import Conflict, InvalidInput, NotFound
from dataharbor.store.blobs import BlobStore
from dataharbor.store.keys import contribution_key_id, private_area
from dataharbor.store.shards import integrity_root

PENDING, DONE, FAILED = "pending", "done", "failed"
# A version made by a withdrawal is a new version: it is audited and approved again like any other.
NEW_VERSION_STATE = VersionState.PROCESSED
RECALL_NOTICE = (
    "This dataset is open: copies of it already published (downloaded, mirrored, or used to train models "
    "before this withdrawal) cannot be recalled by DataHarbor. The public releases that contained the "
    "withdrawn data are listed in public_releases."
)


class Gone(NotFound):
    """Content that existed and was withdrawn (HTTP 410 in the API): the answer names the withdrawal."""

    exit_code = 8

    def __init__(self, what: str, reference: str) -> None:
        super().__init__(f"gone: {what} was withdrawn (withdrawal {reference})", reference=reference)
        self.reference = reference


# --- derived artefacts: one registry the mixture/export work extends ------------------------------------

# (session, dataset id, affected version numbers, withdrawal reference) -> artefacts, each a dict with at
# least "kind" and "id". A finder lists what was built from those versions AND flags it (in the session),
# so that it is not used again; the receipt lists what every finder returned.
ArtefactFinder = Callable[[Session, int, Sequence[int], str], list[dict[str, Any]]]
_ARTEFACT_FINDERS: list[ArtefactFinder] = []


def artefact_kind(fn: ArtefactFinder) -> ArtefactFinder:
    """Register a kind of derived artefact (mixtures, exports, …) that withdrawals must list and flag."""
    _ARTEFACT_FINDERS.append(fn)
    return fn


def affected_artefacts(s: Session, dataset_id: int, numbers: Sequence[int], reference: str) -> list[dict[str, Any]]:
    """Every derived artefact built from the versions `numbers` of the dataset, listed and flagged."""
    out: list[dict[str, Any]] = []
    for finder in _ARTEFACT_FINDERS:
        out.extend(finder(s, dataset_id, numbers, reference))
    return out


@artefact_kind
def _dataset_versions(s: Session, dataset_id: int, numbers: Sequence[int], reference: str) -> list[dict[str, Any]]:
    # the versions themselves are flagged by `republish` (state withdrawn); listed here for one complete answer
    rows = s.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset_id, DatasetVersion.number.in_(list(numbers)))
        .order_by(DatasetVersion.number)
    )
    return [
        {"kind": "dataset_version", "id": f"v{v.number}", "state": v.state, "integrity_root": v.integrity_root}
        for v in rows
    ]


# --- the service --------------------------------------------------------------------------------------


def withdraw(
    acc: AccessContext,
    store: BlobStore,
    *,
    dataset: str,
    contribution: int | None = None,
    reason: str,
) -> Withdrawal:
    """Withdraw one contribution (or, without `contribution`, the whole dataset); resume an unfinished one.

    Returns the `Withdrawal` row, `done`, with its receipt. Raises `Forbidden` (logged) when the actor may not
    withdraw, `Conflict` when it was already withdrawn or a job is running on the dataset.
    """
    s = acc.session
    ds = repo.get_dataset(s, dataset)
    decision = acc.require(Action.DATA_WITHDRAW, dataset_resource(s, ds))
    w = _unfinished(s, ds, contribution)
    if w is None:
        if not reason.strip():
            raise InvalidInput("A withdrawal needs a reason (--reason)")
        w = _begin(acc, store, ds, contribution, reason.strip(), decision)
    try:
        _republish(acc, ds, w)
        _shred(store, w)
        _delete(s, store, ds, w)
        _forget(s, w)
        _finish(acc, ds, w, decision)
    except BaseException as exc:
        s.rollback()
        row = s.get(Withdrawal, w.id)
        if row is not None and row.state != DONE:
            receipt = copy.deepcopy(row.receipt)
            receipt["error"] = f"{type(exc).__name__}: {exc}"
            row.state, row.receipt = FAILED, receipt
            s.commit()
        raise
    return w


def _unfinished(s: Session, ds: Dataset, contribution: int | None) -> Withdrawal | None:
    """The withdrawal to resume for this request, if any; Conflict when it was done or another one is open."""
    rows = s.scalars(select(Withdrawal).where(Withdrawal.dataset_id == ds.id).order_by(Withdrawal.id)).all()
    for w in rows:
        if w.state == DONE and (w.scope == "dataset" or w.contribution_id == contribution):
            what = f"Dataset '{ds.ref}'" if w.scope == "dataset" else f"Contribution {contribution} of '{ds.ref}'"
            raise Conflict(f"{what} was already withdrawn (withdrawal {w.reference})", reference=w.reference)
    for w in rows:
        if w.state != DONE:
            if w.contribution_id == contribution:
                return w
            raise Conflict(
                f"Withdrawal {w.reference} of '{ds.ref}' is unfinished: run it again first "
                f"(withdraw {ds.ref}" + (f" --contribution {w.contribution_id})" if w.contribution_id else ")"),
                reference=w.reference,
            )
    return None


def _begin(
    acc: AccessContext, store: BlobStore, ds: Dataset, contribution: int | None, reason: str, decision: Decision
) -> Withdrawal:
    s = acc.session
    if contribution is not None:
        c = s.get(Contribution, contribution)
        if c is None or c.dataset_id != ds.id:
            raise NotFound(f"Contribution {contribution} is not part of '{ds.ref}'", contribution=contribution)
        contributions = [c]
    else:
        contributions = list(s.scalars(select(Contribution).where(Contribution.dataset_id == ds.id)))
    _no_job_running(s, ds)
    ids = [c.id for c in contributions]
    reference = f"W-{acc.now():%Y%m%d}-{secrets.token_hex(4)}"
    versions = repo.list_versions(s, ds.id)
    shards = _withdrawn_shards(versions, set(ids), whole=contribution is None)
    paths = {sh["path"] for sh in shards}
    jobs = list(s.scalars(select(Job).where(Job.contribution_id.in_(ids)))) if ids else []
    if contribution is None:
        jobs = list(s.scalars(select(Job).where(Job.dataset_id == ds.id)))
    for job in jobs:  # never process what is being withdrawn
        if job.state != JobState.SUCCEEDED.value:
            job.state, job.error = JobState.FAILED.value, f"cancelled: contribution withdrawn ({reference})"
    keys: list[str] = []
    if ds.tier == Tier.PRIVATE:
        keys = [contribution_key_id(ds.id, i) for i in ids]
        if contribution is None:  # also keys of uploads that failed before their contribution row existed
            keys += [e.key_id for e in store.keyring.entries() if e.dataset_id == ds.id and e.key_id not in keys]
    files = s.scalars(select(File).where(File.contribution_id.in_(ids)).order_by(File.id)).all() if ids else []
    receipt: dict[str, Any] = {
        "reference": reference,
        "dataset": ds.ref,
        "dataset_id": ds.id,
        "tier": ds.tier,
        "scope": "contribution" if contribution is not None else "dataset",
        "reason": reason,
        "requested_by": acc.actor.name if acc.actor else "anonymous",
        "requested_at": as_utc(acc.now()).isoformat(),
        "contributions": [
            {
                "id": c.id,
                "created_at": as_utc(c.created_at).isoformat(),
                "note": c.note,
                "files": c.file_count,
                "bytes": c.bytes,
            }
            for c in contributions
        ],
        "jobs": sorted(j.id for j in jobs),
        "raw_files": [
            {"file_id": f.id, "contribution": f.contribution_id, "name": f.name, "sha256": f.sha256, "size": f.size}
            for f in files
            if f.sha256
        ],
        "shard_files": shards,
        "records": {
            "kept": sum(int(sh["rows"]) for sh in shards if sh["kind"] == "records"),
            "dropped": sum(int(sh["rows"]) for sh in shards if sh["kind"] != "records"),
        },
        "keys_destroyed": keys,
        "affected_versions": [
            {
                "number": v.number,
                "state_before": v.state,
                "integrity_root": v.integrity_root,
                "public": ds.tier == Tier.OPEN and v.state in RELEASED_STATES,
            }
            for v in versions
            if v.state != VersionState.PROCESSING and (contribution is None or _holds(v, paths))
        ],
        "new_version": None,
        "steps": [],
    }
    w = Withdrawal(
        reference=reference,
        dataset_id=ds.id,
        contribution_id=contribution,
        scope=receipt["scope"],
        reason=reason,
        requested_by=receipt["requested_by"],
        state=PENDING,
        receipt=receipt,
    )
    s.add(w)
    s.flush()
    details = {"reference": reference, "state": PENDING, "scope": w.scope, "contribution": contribution}
    acc.audit(Action.DATA_WITHDRAW, dataset_resource(s, ds), decision, None, **details)
    s.commit()  # the plan is durable before anything is destroyed
    return w


def _no_job_running(s: Session, ds: Dataset) -> None:
    busy = s.scalar(
        select(DatasetVersion).where(
            DatasetVersion.dataset_id == ds.id, DatasetVersion.state == VersionState.PROCESSING.value
        )
    )
    if busy is not None:
        raise Conflict(f"Dataset '{ds.ref}' is being processed by job {busy.job_id}: withdraw again when it ends")


def _shard_contribution(shard: dict[str, Any], written_by: dict[int, Any]) -> int | None:
    """Which contribution a shard holds: each job processes one contribution and writes its own shards."""
    key_id = shard.get("key_id")
    if key_id:
        return int(str(key_id).rsplit("-c", 1)[1])
    who = written_by.get(int(shard.get("version") or 0))
    return int(who) if who is not None else None


def _withdrawn_shards(versions: Sequence[DatasetVersion], ids: set[int], *, whole: bool) -> list[dict[str, Any]]:
    written_by = {v.number: v.manifest.get("contribution") for v in versions}
    out: dict[str, dict[str, Any]] = {}
    for v in versions:
        if v.state == VersionState.PROCESSING:
            continue
        for sh in v.manifest.get("shards", []):
            if whole or _shard_contribution(sh, written_by) in ids:
                out.setdefault(sh["path"], {k: sh[k] for k in ("path", "kind", "rows", "bytes", "sha256")})
                if sh.get("key_id"):
                    out[sh["path"]]["key_id"] = sh["key_id"]
    return sorted(out.values(), key=lambda sh: str(sh["path"]))


def _holds(v: DatasetVersion, paths: set[str]) -> bool:
    return any(sh["path"] in paths for sh in v.manifest.get("shards", []))


def _save(s: Session, w: Withdrawal, receipt: dict[str, Any], step: str | None = None) -> None:
    if step is not None and step not in receipt["steps"]:
        receipt["steps"].append(step)
    w.receipt = copy.deepcopy(receipt)  # a new object: the JSON column sees the change
    s.commit()


def _republish(acc: AccessContext, ds: Dataset, w: Withdrawal) -> None:
    """One transaction: the new version without the withdrawn shards, and every holder marked withdrawn."""
    s = acc.session
    receipt = copy.deepcopy(w.receipt)
    w.state = PENDING
    _no_job_running(s, ds)
    paths = {sh["path"] for sh in receipt["shard_files"]}
    versions = repo.list_versions(s, ds.id)
    whole = w.scope == "dataset"
    holders = [
        v
        for v in versions
        if v.state not in (VersionState.WITHDRAWN, VersionState.PROCESSING) and (whole or _holds(v, paths))
    ]
    known = {a["number"] for a in receipt["affected_versions"]}
    readable = [v for v in versions if v.state in {st.value for st in repo.READABLE}]
    latest = readable[-1] if readable else None
    if latest is not None and latest in holders and not whole:
        remaining = [sh for sh in latest.manifest.get("shards", []) if sh["path"] not in paths]
        if remaining:
            new = _new_version(s, ds, latest, remaining, w.reference, receipt["records"])
            w.new_version_id = new.id
            receipt["new_version"] = {
                "number": new.number,
                "parent": latest.number,
                "state": new.state,
                "integrity_root": new.integrity_root,
                "records": new.stats["version"]["records"],
                "dropped": new.stats["version"]["decisions"],
            }
    for v in holders:
        if v.number not in known:  # a version published after the plan (a job that raced the withdrawal)
            receipt["affected_versions"].append(
                {
                    "number": v.number,
                    "state_before": v.state,
                    "integrity_root": v.integrity_root,
                    "public": ds.tier == Tier.OPEN and v.state in RELEASED_STATES,
                }
            )
        v.state = VersionState.WITHDRAWN.value
    _save(s, w, receipt, "republished")


def _new_version(
    s: Session,
    ds: Dataset,
    parent: DatasetVersion,
    shards: list[dict[str, Any]],
    reference: str,
    removed: dict[str, int],
) -> DatasetVersion:
    number = repo.next_version_number(s, ds.id)
    totals = {"records": 0, "decisions": 0, "shards": len(shards), "bytes": 0}
    for sh in shards:
        totals["records" if sh["kind"] == "records" else "decisions"] += int(sh["rows"])
        totals["bytes"] += int(sh["bytes"])
    manifest = {
        "dataset": ds.ref,
        "version": number,
        "parent": parent.number,
        "contribution": None,
        "withdrawal": reference,
        "profile": parent.manifest.get("profile", {}),
        "config_hash": parent.config_hash,
        "shards": shards,  # carried forward by reference: a withdrawal writes no data
    }
    v = DatasetVersion(
        dataset_id=ds.id,
        number=number,
        state=NEW_VERSION_STATE.value,
        job_id=None,
        parent_number=parent.number,
        path=f"versions/d{ds.id}/v{number}",
        manifest=manifest,
        stats={"run": {"withdrawal": reference, "removed": dict(removed)}, "version": totals},
        integrity_root=integrity_root(shards),
        config_hash=parent.config_hash,
    )
    s.add(v)
    s.flush()
    return v


def _shred(store: BlobStore, w: Withdrawal) -> None:
    """Crypto-shredding first: once the keys are gone, nothing left on any disk or backup decrypts the data."""
    receipt = w.receipt
    if not receipt["keys_destroyed"]:
        return
    for key_id in receipt["keys_destroyed"]:
        store.keyring.destroy(key_id)  # False when an earlier attempt already destroyed it
    if receipt["scope"] == "dataset":
        store.keyring.destroy_dataset(int(receipt["dataset_id"]))
    left = {e.key_id for e in store.keyring.entries()} & set(receipt["keys_destroyed"])
    if left:
        raise RuntimeError(f"data keys still in the keyring after destruction: {sorted(left)}")


def _delete(s: Session, store: BlobStore, ds: Dataset, w: Withdrawal) -> None:
    """Delete the raw blobs and the withdrawn shard files; every entry records what happened to it."""
    receipt = copy.deepcopy(w.receipt)
    fs, root = store.fs, store.root
    ids = [c["id"] for c in receipt["contributions"]]
    if ds.tier == Tier.PRIVATE:
        listed = {(f["contribution"], f["sha256"]) for f in receipt["raw_files"]}
        for cid in ids:
            area = f"{root}/blobs/private/{private_area(contribution_key_id(ds.id, cid))}"
            for path in sorted(fs.find(area)) if fs.exists(area) else []:
                sha = str(path).rsplit("/", 1)[1]
                if (cid, sha) not in listed:  # stored by an upload that failed before recording it
                    size = int(fs.size(path))
                    receipt["raw_files"].append(
                        {"file_id": None, "contribution": cid, "name": None, "sha256": sha, "size": size}
                    )
                    listed.add((cid, sha))
                fs.rm(path)
            if fs.exists(area):
                fs.rm(area, recursive=True)
        for f in receipt["raw_files"]:
            f["blob"] = "deleted"
    else:
        for f in receipt["raw_files"]:
            if _shared_open_blob(s, f["sha256"], ids):
                f["blob"] = "retained: the same bytes are part of another contribution that was not withdrawn"
                continue
            path = store.path(f["sha256"])
            if fs.exists(path):
                fs.rm(path)
            f["blob"] = "deleted"
    for sh in receipt["shard_files"]:
        path = f"{root}/{sh['path']}"
        if fs.exists(path):
            fs.rm(path)
        sh["deleted"] = True
    if receipt["scope"] == "dataset":
        for folder in (f"{root}/versions/d{ds.id}", f"{root}/blobs/private/d{ds.id}"):
            if fs.exists(folder):
                fs.rm(folder, recursive=True)
    _save(s, w, receipt, "deleted")


def _shared_open_blob(s: Session, sha256: str, withdrawn: list[int]) -> bool:
    """Open blobs are content-addressed and shared: keep one another contribution still uses."""
    n = s.scalar(
        select(func.count())
        .select_from(File)
        .join(Dataset, Dataset.id == File.dataset_id)
        .where(
            File.sha256 == sha256,
            Dataset.tier == Tier.OPEN.value,
            File.contribution_id.notin_(withdrawn),
            File.status != FileStatus.WITHDRAWN.value,
        )
    )
    return bool(n)


def _forget(s: Session, w: Withdrawal) -> None:
    """Remove the withdrawn records from the platform dedup index (keyed by the job that indexed them)."""
    receipt = copy.deepcopy(w.receipt)
    if "forgotten" in receipt["steps"]:
        return
    bind = s.get_bind()
    assert isinstance(bind, Engine)
    index = DedupIndex(bind)
    removed = index.remove_jobs(receipt["jobs"])
    if receipt["scope"] == "dataset":
        removed += index.remove_dataset(int(receipt["dataset_id"]))
    receipt["dedup_index_entries_removed"] = removed
    _save(s, w, receipt, "forgotten")


def _finish(acc: AccessContext, ds: Dataset, w: Withdrawal, decision: Decision) -> None:
    s = acc.session
    receipt = copy.deepcopy(w.receipt)
    ids = [c["id"] for c in receipt["contributions"]]
    for f in s.scalars(select(File).where(File.contribution_id.in_(ids))) if ids else []:
        f.status, f.error = FileStatus.WITHDRAWN.value, f"withdrawn ({w.reference})"
    numbers = [a["number"] for a in receipt["affected_versions"]]
    receipt["derived_artefacts"] = affected_artefacts(s, ds.id, numbers, w.reference)
    if ds.tier == Tier.OPEN:
        receipt["recall_notice"] = RECALL_NOTICE
        receipt["public_releases"] = [
            {"number": a["number"], "state": a["state_before"], "integrity_root": a["integrity_root"]}
            for a in receipt["affected_versions"]
            if a["public"]
        ]
    receipt.pop("error", None)
    receipt["completed_at"] = as_utc(acc.now()).isoformat()
    receipt["completed_by"] = acc.actor.name if acc.actor else "anonymous"
    w.receipt, w.receipt_hash = receipt, receipt_hash(receipt)
    w.state, w.completed_at = DONE, acc.now()
    summary = {
        "reference": w.reference,
        "state": DONE,
        "receipt_hash": w.receipt_hash,
        "new_version": (receipt["new_version"] or {}).get("number"),
        "keys_destroyed": receipt["keys_destroyed"],
        "raw_files": len(receipt["raw_files"]),
        "records": receipt["records"],
    }
    acc.audit(Action.DATA_WITHDRAW, dataset_resource(s, ds), decision, None, **summary)
    s.commit()


# --- receipts and "gone" -----------------------------------------------------------------------------


def receipt_hash(receipt: dict[str, Any]) -> str:
    """SHA-256 of the receipt's canonical JSON; the same hash is in the audit log's hash chain."""
    canonical = json.dumps(receipt, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def receipt_of(w: Withdrawal) -> dict[str, Any]:
    """The receipt as issued: its fields, the state and its hash (verifiable with `receipt_hash`)."""
    return copy.deepcopy(w.receipt) | {"state": w.state, "receipt_hash": w.receipt_hash or None}


def get_withdrawal(acc: AccessContext, reference: str) -> Withdrawal:
    """A withdrawal by reference, for the owning partner's admin, auditors and admins."""
    s = acc.session
    w = s.scalar(select(Withdrawal).where(Withdrawal.reference == reference))
    if w is None:
        raise NotFound(f"Withdrawal '{reference}' not found", reference=reference)
    ds = s.get(Dataset, w.dataset_id)
    assert ds is not None
    acc.require(Action.USAGE_READ, dataset_resource(s, ds))
    return w


def list_withdrawals(acc: AccessContext, dataset: str) -> list[Withdrawal]:
    s = acc.session
    ds = repo.get_dataset(s, dataset)
    acc.require(Action.USAGE_READ, dataset_resource(s, ds))
    return list(s.scalars(select(Withdrawal).where(Withdrawal.dataset_id == ds.id).order_by(Withdrawal.id)))


def withdrawal_of_version(s: Session, dataset_id: int, number: int) -> Withdrawal | None:
    """The withdrawal that made version `number` unreadable."""
    for w in s.scalars(select(Withdrawal).where(Withdrawal.dataset_id == dataset_id).order_by(Withdrawal.id)):
        if any(a["number"] == number for a in w.receipt.get("affected_versions", [])):
            return w
    return None


def withdrawn_contribution(s: Session, contribution_id: int) -> Withdrawal | None:
    """The withdrawal (any state) that took back this contribution, alone or with its whole dataset."""
    c = s.get(Contribution, contribution_id)
    if c is None:
        return None
    for w in s.scalars(select(Withdrawal).where(Withdrawal.dataset_id == c.dataset_id).order_by(Withdrawal.id)):
        if w.scope == "dataset" or w.contribution_id == contribution_id:
            return w
    return None


def dataset_withdrawn(s: Session, dataset_id: int) -> Withdrawal | None:
    return s.scalar(select(Withdrawal).where(Withdrawal.dataset_id == dataset_id, Withdrawal.scope == "dataset"))


def refuse_withdrawn_read(acc: AccessContext, ds: Dataset, version: DatasetVersion, purpose: str | None = None) -> None:
    """Answer a read of a withdrawn version: `Gone` with the reference, to whoever may see the dataset.

    Callers who may not even see the dataset's metadata get `Forbidden` (logged) instead, so the answer
    reveals nothing to them. Attempts on private datasets are logged (they show in the partner's usage).
    """
    s = acc.session
    acc.require(Action.DATASET_READ_METADATA, dataset_resource(s, ds))
    w = withdrawal_of_version(s, ds.id, version.number)
    reference = w.reference if w is not None else "unknown"
    if ds.tier == Tier.PRIVATE:
        resource = dataset_resource(s, ds, version, acc.actor)
        denial = Decision(False, f"version v{version.number} was withdrawn ({reference})", "withdrawn")
        acc.audit(Action.DATA_READ, resource, denial, purpose, version=version.number, withdrawal=reference)
        s.commit()
    raise Gone(f"{ds.ref}@v{version.number}", reference)
