"""Reading a version's records and decisions, and tracing one record back to its source."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from dataharbor.access.context import AccessContext
from dataharbor.access.policy import Action, Decision
from dataharbor.access.resources import dataset_resource
from dataharbor.access.subjects import Resource
from dataharbor.access.withdrawal import refuse_withdrawn_read
from dataharbor.catalog.models import Contribution, Dataset, DatasetVersion, File
from dataharbor.catalog.repo import READABLE
from dataharbor.domain.enums import Tier, VersionState
from dataharbor.domain.record import Record, dataset_id_of, read_confidence
from dataharbor.errors import InvalidInput, NotFound
from dataharbor.store.blobs import BlobStore
from dataharbor.store.shards import iter_shard_batches, open_shard, table_to_records


def iter_records(
    store: BlobStore, version: DatasetVersion, *, dropped: bool = False, limit: int | None = None
) -> Iterator[Record]:
    """Kept records of `version` (or, with `dropped`, its decisions table), streamed shard by shard."""
    kind = "decisions" if dropped else "records"
    n = 0
    for shard in version.manifest.get("shards", []):
        if shard["kind"] != kind:
            continue
        for batch in iter_shard_batches(store.fs, store.root, shard["path"], key=store.shard_key(shard)):
            for rec in table_to_records(pa.Table.from_batches([batch])):
                if limit is not None and n >= limit:
                    return
                n += 1
                yield rec


@dataclass(slots=True)
class Trace:
    record: Record
    kept: bool
    dataset: str
    partner: str
    tier: str
    license: str
    terms: dict[str, Any]
    version: int
    contribution: dict[str, Any]
    file: dict[str, Any]
    config_hash: str
    stages: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        r = self.record
        return {
            "record_id": r.id,
            "decision": "kept" if self.kept else "dropped",
            "dropped_by": r.dropped_by,
            "drop_reason": r.drop_reason,
            "dataset": self.dataset,
            "partner": self.partner,
            "tier": self.tier,
            "license": self.license,
            "terms": self.terms,
            "version": self.version,
            "contribution": self.contribution,
            "file": self.file,
            "location": r.provenance.location,
            "modality": r.modality,
            "confidence": asdict(found) if (found := read_confidence(r)) else None,
            "extractor": {"name": r.provenance.extractor, "version": r.provenance.extractor_version},
            "pipeline": {"config_hash": self.config_hash, "stages": self.stages},
            "annotations": r.annotations,
            "metadata": r.metadata,
            "text_preview": r.text[:300],
        }


def _dataset_of_record(s: Session, record_id: str) -> Dataset:
    ds_id = dataset_id_of(record_id)
    if ds_id is None:
        raise InvalidInput(f"'{record_id}' is not a record id (expected d<dataset>-<hash>)", record=record_id)
    ds = s.get(Dataset, ds_id)
    if ds is None:
        raise NotFound(f"Record '{record_id}': its dataset no longer exists", record=record_id)
    return ds


def _readable_versions(s: Session, ds: Dataset) -> Sequence[DatasetVersion]:
    """The dataset's readable versions, newest first."""
    return s.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == ds.id, DatasetVersion.state.in_([v.value for v in READABLE]))
        .order_by(DatasetVersion.number.desc())
    ).all()


def trace(s: Session, store: BlobStore, record_id: str, *, versions: Sequence[DatasetVersion] | None = None) -> Trace:
    """Find `record_id` in the newest readable version that holds it (kept or dropped); only among
    `versions` when given (the ones the caller may read)."""
    ds = _dataset_of_record(s, record_id)
    if versions is None:
        versions = _readable_versions(s, ds)
    for version in versions:
        for shard in version.manifest.get("shards", []):
            with open_shard(store.fs, store.root, shard["path"], store.shard_key(shard)) as fh:
                table = pq.read_table(fh, filters=[("id", "=", record_id)])
            if table.num_rows:
                rec = next(table_to_records(table))
                return _build(s, ds, version, rec, shard["kind"] == "records")
    raise NotFound(f"Record '{record_id}' not found in any version of '{ds.ref}'", record=record_id)


def _build(s: Session, ds: Dataset, version: DatasetVersion, rec: Record, kept: bool) -> Trace:
    f = s.get(File, rec.provenance.file_id)
    c = s.get(Contribution, rec.provenance.contribution_id)
    profile = version.manifest.get("profile", {})
    # the stages this record went through: all of them when kept, up to the dropping one otherwise
    applied: list[dict[str, Any]] = []
    for st in profile.get("stages", []):
        applied.append(
            {
                "name": st["name"],
                "version": st["version"],
                "outcome": "dropped" if st["name"] == rec.dropped_by else "passed",
            }
        )
        if st["name"] == rec.dropped_by:
            break
    return Trace(
        record=rec,
        kept=kept,
        dataset=ds.ref,
        partner=ds.partner.name,
        tier=ds.tier,
        license=ds.license,
        terms={
            "purposes": ds.purposes,
            "retention_days": ds.retention_days,
            "redistribution": ds.redistribution,
            "pii_policy": ds.pii_policy,
            "consent": ds.consent,
        },
        version=version.number,
        contribution={"id": c.id, "created_at": c.created_at.isoformat(), "note": c.note} if c else {},
        file={"id": f.id, "name": f.name, "sha256": f.sha256, "size": f.size, "type": f.detected_type} if f else {},
        config_hash=version.config_hash,
        stages=applied,
    )


# --- governed reads: what the CLI (and later the API) serves, through the policy decision point ---


def read_records(
    acc: AccessContext,
    store: BlobStore,
    version: DatasetVersion,
    *,
    purpose: str | None = None,
    dropped: bool = False,
    limit: int | None = None,
) -> list[Record]:
    """Records of `version` for `acc.actor`, if the policy allows it; reads of private content are logged.

    A withdrawn version answers `Gone` with the withdrawal's reference."""
    ds = acc.session.get(Dataset, version.dataset_id)
    if ds is None:
        raise NotFound(f"Version {version.id}: its dataset no longer exists")
    if version.state == VersionState.WITHDRAWN:
        refuse_withdrawn_read(acc, ds, version, purpose)
    resource = dataset_resource(acc.session, ds, version, acc.actor)
    decision = acc.require(Action.DATA_READ, resource, purpose)  # a denial is logged and raises
    recs = list(iter_records(store, version, dropped=dropped, limit=limit))
    if ds.tier == Tier.PRIVATE:
        what = "decisions" if dropped else "records"
        acc.audit(Action.DATA_READ, resource, decision, purpose, version=version.number, records=len(recs), what=what)
    return recs


def read_trace(acc: AccessContext, store: BlobStore, record_id: str, *, purpose: str | None = None) -> Trace:
    """`trace` for `acc.actor`: the trace shows the record's text, so it is a read of content.

    The policy decides before anything is looked up: the search covers only the versions the actor may
    read, so "not found" never tells a caller who may not read the dataset whether a record exists.
    """
    s = acc.session
    ds = _dataset_of_record(s, record_id)
    allowed: list[tuple[DatasetVersion, Resource, Decision]] = []
    versions = _readable_versions(s, ds)
    for version in versions:
        resource = dataset_resource(s, ds, version, acc.actor)
        decision = acc.decide(Action.DATA_READ, resource, purpose)
        if decision.allowed:
            allowed.append((version, resource, decision))
    if not allowed:
        if versions:  # the denial for the newest version, logged, and Forbidden raised
            acc.require(Action.DATA_READ, dataset_resource(s, ds, versions[0], acc.actor), purpose)
        acc.require(Action.DATASET_READ_METADATA, dataset_resource(s, ds))
        raise NotFound(f"Record '{record_id}' not found: '{ds.ref}' has no readable version", record=record_id)
    found = trace(s, store, record_id, versions=[v for v, _, _ in allowed])
    version, resource, decision = next(a for a in allowed if a[0].number == found.version)
    if ds.tier == Tier.PRIVATE:
        details = {"version": version.number, "records": 1, "what": "trace", "record": record_id}
        acc.audit(Action.DATA_READ, resource, decision, purpose, **details)
    return found
