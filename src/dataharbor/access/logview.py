"""Reading and verifying the audit log, for auditors and admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dataharbor.access.auditlog import Verification
from dataharbor.access.clock import as_utc
from dataharbor.access.context import AccessContext
from dataharbor.access.policy import Action
from dataharbor.access.resources import platform_resource
from dataharbor.catalog import repo
from dataharbor.catalog.models import AuditEvent


@dataclass(frozen=True, slots=True)
class EventFilter:
    since: datetime | None = None
    action: str | None = None
    principal: str | None = None
    dataset: str | None = None
    denied_only: bool = False
    limit: int = 100


def list_events(acc: AccessContext, flt: EventFilter = EventFilter()) -> list[dict[str, Any]]:
    """The newest `limit` events matching the filter, oldest first."""
    s = acc.session
    acc.require(Action.AUDITLOG_READ, platform_resource())
    q = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(max(flt.limit, 0))
    if flt.since is not None:
        q = q.where(AuditEvent.time >= as_utc(flt.since))
    if flt.action:
        q = q.where(AuditEvent.action == flt.action)
    if flt.principal:
        q = q.where(AuditEvent.principal == flt.principal)
    if flt.dataset:
        q = q.where(AuditEvent.dataset_id == repo.get_dataset(s, flt.dataset).id)
    if flt.denied_only:
        q = q.where(AuditEvent.allowed.is_(False))
    return [event_dict(ev) for ev in reversed(s.scalars(q).all())]


def verify_log(acc: AccessContext) -> Verification:
    acc.require(Action.AUDITLOG_READ, platform_resource())
    return acc.log.verify(acc.session)


def event_dict(ev: AuditEvent) -> dict[str, Any]:
    return {
        "seq": ev.seq,
        "time": as_utc(ev.time).isoformat(),
        "principal": ev.principal,
        "action": ev.action,
        "resource": ev.resource,
        "purpose": ev.purpose or None,
        "allowed": ev.allowed,
        "reason": ev.reason,
        "request_id": ev.request_id,
        "details": ev.details,
        "hash": ev.hash,
    }
