"""The usage report a partner sees: every read of its datasets, denied attempts, and its grants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from dataharbor.access.clock import as_utc
from dataharbor.access.context import AccessContext
from dataharbor.access.grants import grants_of_datasets
from dataharbor.access.policy import Action
from dataharbor.access.resources import partner_resource
from dataharbor.catalog import repo
from dataharbor.catalog.models import AuditEvent, Dataset


def usage_report(acc: AccessContext, *, partner: str, since: datetime | None = None) -> dict[str, Any]:
    s = acc.session
    p = repo.get_partner(s, partner)
    acc.require(Action.USAGE_READ, partner_resource(p))
    refs = {ds.id: ds.ref for ds in s.scalars(select(Dataset).where(Dataset.partner_id == p.id))}
    reads: list[dict[str, Any]] = []
    denied: list[dict[str, Any]] = []
    summary: dict[tuple[str, str, str], dict[str, Any]] = {}
    if refs:
        q = (
            select(AuditEvent)
            .where(AuditEvent.dataset_id.in_(list(refs)), AuditEvent.action == Action.DATA_READ.value)
            .order_by(AuditEvent.seq)
        )
        if since is not None:
            q = q.where(AuditEvent.time >= as_utc(since))
        for ev in s.scalars(q.execution_options(yield_per=1000)):
            row = {
                "seq": ev.seq,
                "time": as_utc(ev.time).isoformat(),
                "principal": ev.principal,
                "dataset": refs.get(ev.dataset_id or 0, ev.resource),
                "version": ev.details.get("version"),
                "purpose": ev.purpose or None,
                "records": int(ev.details.get("records", 0)),
                "what": ev.details.get("what", "records"),
                "reason": ev.reason,
            }
            if not ev.allowed:
                denied.append(row)
                continue
            reads.append(row)
            key = (ev.principal, row["dataset"], ev.purpose)
            agg = summary.setdefault(
                key,
                {"principal": key[0], "dataset": key[1], "purpose": key[2] or None, "reads": 0, "records": 0},
            )
            agg["reads"] += 1
            agg["records"] += row["records"]
            agg.setdefault("first", row["time"])
            agg["last"] = row["time"]
    return {
        "partner": p.name,
        "since": as_utc(since).isoformat() if since else None,
        "datasets": sorted(refs.values()),
        "summary": list(summary.values()),
        "reads": reads,
        "denied": denied,
        "grants": grants_of_datasets(s, list(refs), acc.now()),
    }
