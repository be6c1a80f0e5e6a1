"""The facts every dataset document is made from, gathered once: the version's latest audit report (`report_dict`)
plus what the catalog knows beyond it (partner, contributions, shard sizes, who may read the data).

Reads go through the policy (`report.read`: open datasets' documents are public; a private dataset's go to its
partner, curators, auditors and admins). Reading a private dataset's document is logged like a read of its report
would be, with the document named. Documents hold metadata and aggregate figures only: nothing here reads a record.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import func, select

from dataharbor.access.context import AccessContext
from dataharbor.access.policy import Action
from dataharbor.access.resources import dataset_resource
from dataharbor.audit.service import latest_report, report_dict, reviews_of
from dataharbor.catalog.models import Contribution, Dataset, DatasetVersion, Partner
from dataharbor.domain.enums import Tier, VersionState
from dataharbor.errors import Conflict, InvalidInput, NotFound
from dataharbor.store.blobs import BlobStore

NOT_RECORDED = "not recorded by the platform"
DATA_DIR = "data"  # an exported document folder: README.md, croissant.json, datasheet.md, data/records-*.parquet


@dataclass(frozen=True, slots=True)
class Shard:
    """A record shard of the version, as its document refers to it."""

    name: str  # file name, e.g. records-00000.parquet
    store_path: str  # relative to the store root
    rows: int
    bytes: int
    sha256: str
    sealed: bool  # encrypted at rest (private tier): not loadable without the platform's keys

    @property
    def export_path(self) -> str:
        """Where an exported document folder keeps it, relative to the documents (`data/records-00000.parquet`)."""
        return f"{DATA_DIR}/{self.name}"


@dataclass(frozen=True, slots=True)
class Facts:
    report: dict[str, Any]  # the audit report, `dataharbor.audit-report/1`
    partner: dict[str, str]
    contributions: list[dict[str, Any]]
    shards: list[Shard]
    decisions_rows: int
    generated_at: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def dataset(self) -> dict[str, Any]:
        return dict(self.report["dataset"])

    @property
    def version(self) -> dict[str, Any]:
        return dict(self.report["version"])

    @property
    def sections(self) -> dict[str, Any]:
        return dict(self.report["sections"])

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.report["findings"])

    @property
    def reviews(self) -> list[dict[str, Any]]:
        return list(self.report.get("reviews") or [])

    @property
    def private(self) -> bool:
        return self.dataset.get("tier") != Tier.OPEN.value

    @property
    def ref(self) -> str:
        return str(self.dataset.get("ref", ""))

    @property
    def label(self) -> str:
        return f"{self.ref}@v{self.version.get('number')}"

    @property
    def records(self) -> int:
        return int(self.sections.get("composition", {}).get("records", 0))

    @property
    def verdict(self) -> str:
        return str(self.report["audit"].get("verdict", ""))

    def section(self, name: str) -> dict[str, Any]:
        return dict(self.sections.get(name) or {})


def gather(acc: AccessContext, version: DatasetVersion, document: str) -> Facts:
    """The facts for one document of `version` (its latest audit), if the reader may see its report."""
    s = acc.session
    ds = s.get(Dataset, version.dataset_id)
    if ds is None:
        raise NotFound(f"Version {version.id}: its dataset no longer exists")
    resource = dataset_resource(s, ds, version, acc.actor)
    decision = acc.require(Action.REPORT_READ, resource)
    if version.state == VersionState.WITHDRAWN:
        raise Conflict(f"{ds.ref}@v{version.number} was withdrawn: no document is generated for it")
    row = latest_report(acc, version)
    if row is None:
        raise NotFound(f"{ds.ref}@v{version.number} has not been audited yet (`dataharbor audit {ds.ref}`)")
    report = report_dict(row, version, reviews_of(acc, version))
    if ds.tier != Tier.OPEN:
        acc.audit(
            Action.REPORT_READ, resource, decision, None, version=version.number, report=row.id, document=document
        )
    partner = s.get(Partner, ds.partner_id)
    contributions = [
        {"id": c.id, "files": c.file_count, "bytes": c.bytes, "created_at": _iso(c.created_at)}
        for c in s.scalars(select(Contribution).where(Contribution.dataset_id == ds.id).order_by(Contribution.id))
    ]
    shards = [
        Shard(
            name=PurePosixPath(str(sh["path"])).name,
            store_path=str(sh["path"]),
            rows=int(sh.get("rows", 0)),
            bytes=int(sh.get("bytes", 0)),
            sha256=str(sh["sha256"]),
            sealed=bool(sh.get("key_id")),
        )
        for sh in version.manifest.get("shards", [])
        if sh.get("kind") == "records"
    ]
    decisions = sum(
        int(sh.get("rows", 0)) for sh in version.manifest.get("shards", []) if sh.get("kind") == "decisions"
    )
    versions = s.scalar(select(func.count()).select_from(DatasetVersion).where(DatasetVersion.dataset_id == ds.id))
    return Facts(
        report=report,
        partner={
            "name": partner.name if partner else "",
            "kind": partner.kind if partner else "",
            "jurisdiction": partner.jurisdiction if partner else "",
        },
        contributions=contributions,
        shards=shards,
        decisions_rows=decisions,
        generated_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        extra={"versions_of_dataset": int(versions or 0), "dataset_created_at": _iso(ds.created_at)},
    )


def gather_approved(acc: AccessContext, versions: list[DatasetVersion], document: str) -> list[Facts]:
    """Facts for a set of versions that may enter training: each must be `approved` (refused otherwise)."""
    if not versions:
        raise InvalidInput("Name at least one approved version (PARTNER/NAME@vN)")
    for v in versions:  # refused before anything is read or logged
        if v.state != VersionState.APPROVED:
            ds = acc.session.get(Dataset, v.dataset_id)
            raise Conflict(
                f"{ds.ref if ds else v.dataset_id}@v{v.number} is {v.state}, not approved: only versions a curator"
                " approved after their audit may be summarised as training content (`dataharbor review approve`)"
            )
    return [gather(acc, v, document) for v in versions]


def export_data(
    acc: AccessContext, store: BlobStore, facts: Facts, version: DatasetVersion, out_dir: Path
) -> list[Path]:
    """Copy an open version's record shards into `out_dir/data/` (the layout the card and Croissant refer to), each
    checked against its manifest SHA-256. Private shards are sealed and never exported this way."""
    s = acc.session
    ds = s.get(Dataset, version.dataset_id)
    if ds is None:
        raise NotFound(f"Version {version.id}: its dataset no longer exists")
    if ds.tier != Tier.OPEN:
        raise InvalidInput(
            f"{facts.label} is private: its shards are encrypted and are read through the platform with a live grant,"
            " never copied next to its documents"
        )
    acc.require(Action.DATA_READ, dataset_resource(s, ds, version, acc.actor))
    target = out_dir / DATA_DIR
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for sh in facts.shards:
        path = target / sh.name
        digest = hashlib.sha256()
        tmp = path.with_suffix(".part")
        with store.fs.open(f"{store.root}/{sh.store_path}", "rb") as src, tmp.open("wb") as dst:
            while chunk := src.read(1024 * 1024):
                digest.update(chunk)
                dst.write(chunk)
        if digest.hexdigest() != sh.sha256:
            tmp.unlink()
            raise Conflict(f"{sh.store_path}: SHA-256 differs from the version's manifest; nothing exported for it")
        tmp.replace(path)
        written.append(path)
    return written


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat()
