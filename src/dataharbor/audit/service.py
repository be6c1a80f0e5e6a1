"""Audits and reviews as governed operations: who may run them, the state transitions, the audit-log events.

States: processed → audited (first audit) → approved | rejected (review). A re-audit keeps the state: an audited
version stays audited, an approved one stays approved and a rejected one stays rejected — the new report is
recorded and logged, and a curator who disagrees with the earlier decision reviews again (approve ⇄ reject).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select

from dataharbor.access.auditlog import AuditLog
from dataharbor.access.context import AccessContext
from dataharbor.access.policy import Action
from dataharbor.access.resources import dataset_resource
from dataharbor.access.subjects import Actor
from dataharbor.audit.rules import load_rules
from dataharbor.audit.runner import run_audit
from dataharbor.catalog.db import Catalog
from dataharbor.catalog.models import AuditReport, Dataset, DatasetVersion, Review
from dataharbor.config import Settings
from dataharbor.domain.enums import VersionState
from dataharbor.errors import Conflict, InvalidInput, NotFound
from dataharbor.store.blobs import BlobStore
from dataharbor.store.keys import open_keyring

# the platform itself, when a job's version is audited right after it commits
PIPELINE = Actor(id=None, name="pipeline", roles=frozenset({"admin"}), kind="service")
HOME_RULES = "audit-rules.yaml"  # <home>/audit-rules.yaml, when present, changes the rules of every audit

AUDITABLE = {VersionState.PROCESSED, VersionState.AUDITED, VersionState.APPROVED, VersionState.REJECTED}
REVIEWABLE = {VersionState.AUDITED, VersionState.APPROVED, VersionState.REJECTED}
Decision = Literal["approve", "reject"]


def rules_for(settings: Settings, path: Path | None = None) -> dict[str, Any]:
    """The rules an audit runs under: `path`, else <home>/audit-rules.yaml, laid over the defaults."""
    if path is None:
        home_rules = settings.resolved_home / HOME_RULES
        path = home_rules if home_rules.exists() else None
    return load_rules(path)


def _dataset(acc: AccessContext, version: DatasetVersion) -> Dataset:
    ds = acc.session.get(Dataset, version.dataset_id)
    if ds is None:
        raise NotFound(f"Version {version.id}: its dataset no longer exists")
    return ds


def audit_version(acc: AccessContext, store: BlobStore, version: DatasetVersion, rules: dict[str, Any]) -> AuditReport:
    """Audit `version` (curators and admins); the first audit moves it from processed to audited."""
    ds = _dataset(acc, version)
    resource = dataset_resource(acc.session, ds, version, acc.actor)
    decision = acc.require(Action.VERSION_AUDIT, resource)
    if version.state not in AUDITABLE:
        raise Conflict(f"{ds.ref}@v{version.number} is {version.state}: only a committed version can be audited")
    report = run_audit(acc.session, store, ds, version, rules, created_by=acc.actor.name if acc.actor else "")
    before = version.state
    if before == VersionState.PROCESSED:
        version.state = VersionState.AUDITED.value
    acc.audit(
        Action.VERSION_AUDIT,
        resource,
        decision,
        None,
        version=version.number,
        report=report.id,
        verdict=report.verdict,
        rules_hash=report.rules_hash,
        from_state=before,
        to_state=version.state,
        findings=len(report.findings),
    )
    return report


def latest_report(acc: AccessContext, version: DatasetVersion) -> AuditReport | None:
    return acc.session.scalar(
        select(AuditReport).where(AuditReport.version_id == version.id).order_by(AuditReport.id.desc())
    )


def review_version(
    acc: AccessContext, version: DatasetVersion, decision: Decision, comment: str, *, override: bool = False
) -> Review:
    """A curator approves or rejects an audited version with a comment. A `fail` verdict is approved only with
    `override` (and the comment says why). Every review is a Review row and an audit-log event."""
    ds = _dataset(acc, version)
    resource = dataset_resource(acc.session, ds, version, acc.actor)
    allowed = acc.require(Action.VERSION_APPROVE, resource)
    if decision not in ("approve", "reject"):
        raise InvalidInput(f"Review decision '{decision}' is not 'approve' or 'reject'")
    if not comment.strip():
        raise InvalidInput("A review needs a comment (--comment) saying why")
    label = f"{ds.ref}@v{version.number}"
    if version.state not in REVIEWABLE:
        hint = ": audit it first (`dataharbor audit`)" if version.state == VersionState.PROCESSED else ""
        raise Conflict(f"{label} is {version.state}; only an audited version can be reviewed{hint}")
    target = VersionState.APPROVED if decision == "approve" else VersionState.REJECTED
    if version.state == target:
        raise Conflict(f"{label} is already {target.value}")
    report = latest_report(acc, version)
    if report is None:
        raise Conflict(f"{label} has no audit report: audit it first (`dataharbor audit`)")
    if decision == "approve" and report.verdict == "fail" and not override:
        errors = [f["code"] for f in report.findings if f.get("severity") == "error"]
        raise Conflict(
            f"{label}: the audit's verdict is 'fail' ({', '.join(errors)}); approving it needs --override and a"
            " comment saying why"
        )
    review = Review(
        version_id=version.id,
        audit_report_id=report.id,
        decision=decision,
        comment=comment.strip(),
        reviewer=acc.actor.name if acc.actor else "anonymous",
        from_state=version.state,
        to_state=target.value,
        created_at=datetime.now(UTC),
    )
    acc.session.add(review)
    version.state = target.value
    acc.session.flush()
    acc.audit(
        f"version.{decision}",
        resource,
        allowed,
        None,
        version=version.number,
        review=review.id,
        report=report.id,
        verdict=report.verdict,
        override=override and report.verdict == "fail",
        from_state=review.from_state,
        to_state=review.to_state,
        comment=review.comment,
    )
    return review


def reviews_of(acc: AccessContext, version: DatasetVersion) -> list[Review]:
    return list(acc.session.scalars(select(Review).where(Review.version_id == version.id).order_by(Review.id)))


def read_report(acc: AccessContext, version: DatasetVersion) -> dict[str, Any]:
    """The latest audit report of `version` as one dict (see `report_dict`), if the reader may see it."""
    ds = _dataset(acc, version)
    acc.require(Action.REPORT_READ, dataset_resource(acc.session, ds, version, acc.actor))
    report = latest_report(acc, version)
    if report is None:
        raise NotFound(f"{ds.ref}@v{version.number} has not been audited yet (`dataharbor audit {ds.ref}`)")
    return report_dict(report, version, reviews_of(acc, version))


def report_dict(report: AuditReport, version: DatasetVersion, reviews: list[Review]) -> dict[str, Any]:
    """The whole report: what the JSON, Markdown and HTML renderings and the dataset documents are made from."""
    counts = {sev: 0 for sev in ("error", "warning", "info")}
    for f in report.findings:
        counts[f["severity"]] = counts.get(f["severity"], 0) + 1
    summary = dict(report.summary)
    return {
        "schema": summary.pop("schema", ""),
        "dataset": summary.pop("dataset", {}),
        "version": summary.pop("version", {}) | {"state": version.state},
        "audit": {
            "id": report.id,
            "created_at": _iso(report.created_at),
            "created_by": report.created_by,
            "verdict": report.verdict,
            "findings": counts,
            "rules_hash": report.rules_hash,
            **summary.pop("timing", {}),
        },
        "findings": report.findings,
        "sections": summary.pop("sections", {}),
        "reviews": [
            {
                "decision": r.decision,
                "reviewer": r.reviewer,
                "comment": r.comment,
                "from_state": r.from_state,
                "to_state": r.to_state,
                "audit_report_id": r.audit_report_id,
                "created_at": _iso(r.created_at),
            }
            for r in reviews
        ],
        "rules": report.rules,
    }


def audit_after_job(catalog: Catalog, settings: Settings, version_id: int) -> dict[str, Any]:
    """The automatic audit of a version its job just committed. Never raises: a failing audit leaves the version
    `processed` (audit it again with `dataharbor audit`) and returns the error for the job to record."""
    try:
        store = BlobStore(settings.resolved_store_url, open_keyring(settings))
        log = AuditLog.in_home(settings.resolved_home)
        with catalog.session() as s:
            version = s.get(DatasetVersion, version_id)
            if version is None:
                raise NotFound(f"Version id {version_id} not found")
            acc = AccessContext(s, PIPELINE, log)
            report = audit_version(acc, store, version, rules_for(settings))
            return {"verdict": report.verdict, "findings": len(report.findings), "report": report.id}
    except Exception as exc:  # recorded on the job; the version stays processed and can be audited again
        return {"error": f"{type(exc).__name__}: {exc}"}


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).isoformat()
