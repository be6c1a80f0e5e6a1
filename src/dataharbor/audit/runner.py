"""Run every section over one version, streaming its kept records and its decisions table once, in batches."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataharbor.audit.bias import Bias
from dataharbor.audit.composition import Composition
from dataharbor.audit.errors import Errors
from dataharbor.audit.licence import Licence
from dataharbor.audit.pii import Pii
from dataharbor.audit.quality import Quality
from dataharbor.audit.rules import SEVERITIES, Finding, rules_hash, verdict
from dataharbor.audit.safety import Safety
from dataharbor.audit.section import AuditContext, FileInfo, Section
from dataharbor.catalog.models import AuditReport, Contribution, Dataset, DatasetVersion, File
from dataharbor.domain.record import Provenance, Record
from dataharbor.store.blobs import BlobStore
from dataharbor.store.shards import iter_shard_columns, loads_column

SECTIONS: tuple[type[Section], ...] = (Composition, Quality, Errors, Pii, Safety, Bias, Licence)
SCHEMA = "dataharbor.audit-report/1"
# what the sections read of a record: the other columns (source hash and name, location, extractor, metadata)
# are neither read nor decoded
AUDIT_COLUMNS = ("id", "text", "modality", "contribution_id", "file_id", "annotations", "dropped_by", "drop_reason")


def audit_context(s: Session, ds: Dataset, version: DatasetVersion, rules: dict[str, Any]) -> AuditContext:
    """The dataset's terms and the files of every contribution up to this version."""
    contributions = s.scalars(
        select(Contribution.id).where(Contribution.dataset_id == ds.id).order_by(Contribution.id)
    ).all()
    newest = int(version.manifest.get("contribution") or 0)
    wanted = [c for c in contributions if not newest or c <= newest]
    files = s.scalars(select(File).where(File.contribution_id.in_(wanted)).order_by(File.id)).all() if wanted else []
    stages = [str(st.get("name")) for st in version.manifest.get("profile", {}).get("stages", [])]
    return AuditContext(
        dataset=ds.ref,
        tier=ds.tier,
        license=ds.license,
        languages=list(ds.languages or []),
        purposes=list(ds.purposes or []),
        retention_days=ds.retention_days,
        redistribution=ds.redistribution,
        pii_policy=ds.pii_policy,
        consent=ds.consent or "",
        version=version.number,
        stages=stages,
        run_stats=dict(version.stats or {}),
        files=[
            FileInfo(
                f.id, f.name, f.detected_type, f.status, f.error, f.records, list(f.issues or []), f.contribution_id
            )
            for f in files
        ],
        rules=rules,
    )


def run_sections(store: BlobStore, version: DatasetVersion, ctx: AuditContext) -> tuple[dict[str, Any], list[Finding]]:
    """Every section observes every record (kept, then dropped); returns the figures and the findings."""
    sections = [cls(ctx) for cls in SECTIONS]
    for dropped in (False, True):
        for record in audit_records(store, version, dropped=dropped):
            for section in sections:
                section.observe(record, not dropped)
    summary: dict[str, Any] = {}
    findings: list[Finding] = []
    for section in sections:
        result = section.finish()
        summary[section.name] = result.summary
        findings.extend(result.findings)
    order = {sev: i for i, sev in enumerate(reversed(SEVERITIES))}
    findings.sort(key=lambda f: (order[f.severity], f.section, f.code))
    return summary, findings


def audit_records(store: BlobStore, version: DatasetVersion, *, dropped: bool = False) -> Iterator[Record]:
    """The version's kept records (or, with `dropped`, its decisions table) as the sections see them, in shard
    order: only AUDIT_COLUMNS are read, so `metadata` is empty and the provenance holds only the file and
    contribution ids. The same records, ids, texts and annotations as `select.browse.iter_records`."""
    kind = "decisions" if dropped else "records"
    for shard in version.manifest.get("shards", []):
        if shard["kind"] != kind:
            continue
        batches = iter_shard_columns(store.fs, store.root, shard["path"], AUDIT_COLUMNS, key=store.shard_key(shard))
        for c in batches:
            for rid, text, modality, contribution, file_id, notes, by, reason in zip(
                *(c[name] for name in AUDIT_COLUMNS), strict=True
            ):
                yield Record(
                    id=rid,
                    text=text,
                    provenance=Provenance("", "", "", "", contribution_id=contribution, file_id=file_id),
                    modality=modality,
                    annotations=loads_column(notes),
                    dropped_by=by,
                    drop_reason=reason,
                )


def snapshot(ds: Dataset, version: DatasetVersion) -> dict[str, Any]:
    """What the report says about the dataset and the version, as they were when it was audited."""
    profile = version.manifest.get("profile", {})
    return {
        "dataset": {
            "ref": ds.ref,
            "partner": ds.partner.name,
            "name": ds.name,
            "description": ds.description,
            "tier": ds.tier,
            "license": ds.license,
            "languages": list(ds.languages or []),
            "purposes": list(ds.purposes or []),
            "retention_days": ds.retention_days,
            "redistribution": ds.redistribution,
            "pii_policy": ds.pii_policy,
            "consent": ds.consent,
        },
        "version": {
            "number": version.number,
            "parent": version.parent_number,
            "created_at": _iso(version.created_at),
            "integrity_root": version.integrity_root,
            "config_hash": version.config_hash,
            "profile": profile.get("name", ""),
            "stages": [
                {"name": st.get("name"), "version": st.get("version"), "params": st.get("params", {})}
                for st in profile.get("stages", [])
            ],
            "totals": dict((version.stats or {}).get("version", {})),
            "shards": [
                {"path": sh["path"], "kind": sh["kind"], "rows": sh["rows"], "sha256": sh.get("sha256", "")}
                for sh in version.manifest.get("shards", [])
            ],
        },
    }


def run_audit(
    s: Session, store: BlobStore, ds: Dataset, version: DatasetVersion, rules: dict[str, Any], *, created_by: str
) -> AuditReport:
    """Audit `version` under `rules` and add the report row to the session (the caller commits)."""
    started = time.perf_counter()
    ctx = audit_context(s, ds, version, rules)
    sections, findings = run_sections(store, version, ctx)
    summary = {
        "schema": SCHEMA,
        **snapshot(ds, version),
        "sections": sections,
        "timing": {"seconds": round(time.perf_counter() - started, 3)},
    }
    row = AuditReport(
        version_id=version.id,
        verdict=verdict(findings),
        findings=[f.to_dict() for f in findings],
        summary=summary,
        rules=rules,
        rules_hash=rules_hash(rules),
        created_by=created_by,
        created_at=datetime.now(UTC),
    )
    s.add(row)
    s.flush()
    return row


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat()
