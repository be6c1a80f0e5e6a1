"""Grants: a partner lets a principal or a team read a private dataset (or one version) for one purpose, for a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataharbor.access.clock import as_utc
from dataharbor.access.context import AccessContext
from dataharbor.access.policy import Action
from dataharbor.access.principals import get_principal
from dataharbor.access.resources import dataset_resource
from dataharbor.catalog import repo
from dataharbor.catalog.models import Dataset, Grant, Principal
from dataharbor.domain.enums import Purpose, Tier
from dataharbor.errors import InvalidInput, NotFound


def grant_state(g: Grant, now: datetime) -> str:
    if g.revoked_at is not None:
        return "revoked"
    if g.not_before is not None and now < as_utc(g.not_before):
        return "not-yet-valid"
    return "expired" if now >= as_utc(g.expires_at) else "live"


def check_purpose(ds: Dataset, purpose: str) -> str:
    try:
        value = Purpose(purpose).value
    except ValueError:
        allowed = ", ".join(p.value for p in Purpose)
        raise InvalidInput(f"Purpose '{purpose}' is not valid: expected one of {allowed}", purpose=purpose) from None
    if value not in ds.purposes:
        raise InvalidInput(
            f"Dataset '{ds.ref}' does not allow the purpose '{value}' (allowed: {', '.join(ds.purposes)})",
            purpose=value,
        )
    return value


def private_dataset(s: Session, ref: str) -> tuple[Dataset, int | None]:
    ds = repo.get_dataset(s, ref)
    number = repo.parse_ref(ref)[2]
    if number is not None:
        repo.get_version(s, ds, number)  # NotFound when there is no such version
    if ds.tier != Tier.PRIVATE:
        raise InvalidInput(f"Dataset '{ds.ref}' is open: anyone may read it, no grant is needed", dataset=ds.ref)
    return ds, number


def add_grant(
    acc: AccessContext,
    *,
    dataset: str,
    purpose: str,
    expires_at: datetime,
    principal: str | None = None,
    team: str | None = None,
    not_before: datetime | None = None,
    note: str = "",
    request_id: int | None = None,
) -> Grant:
    s = acc.session
    ds, number = private_dataset(s, dataset)
    decision = acc.require(Action.GRANT_CREATE, dataset_resource(s, ds))
    if (principal is None) == (team is None):
        raise InvalidInput("A grant names exactly one grantee: a principal or a team")
    grantee = get_principal(s, principal) if principal is not None else None
    value = check_purpose(ds, purpose)
    expiry = as_utc(expires_at)
    start = as_utc(not_before) if not_before else None
    if expiry <= acc.now():
        raise InvalidInput("A grant's expiry must be in the future")
    if start is not None and start >= expiry:
        raise InvalidInput("A grant's start must be before its expiry")
    g = Grant(
        dataset_id=ds.id,
        version_number=number,
        principal_id=grantee.id if grantee else None,
        team=team or "",
        purpose=value,
        not_before=start,
        expires_at=expiry,
        granted_by=acc.actor.name if acc.actor else "anonymous",
        request_id=request_id,
        note=note,
    )
    s.add(g)
    s.flush()
    acc.audit(Action.GRANT_CREATE, dataset_resource(s, ds), decision, value, **grant_dict(s, g, acc.now()))
    return g


def revoke_grant(acc: AccessContext, grant_id: int, *, reason: str = "") -> Grant:
    s = acc.session
    g = _get(s, grant_id)
    ds = s.get(Dataset, g.dataset_id)
    assert ds is not None
    decision = acc.require(Action.GRANT_REVOKE, dataset_resource(s, ds))
    if g.revoked_at is None:
        g.revoked_at = acc.now()
        g.revoked_by = acc.actor.name if acc.actor else "anonymous"
        g.revoke_reason = reason
        s.flush()
        acc.audit(Action.GRANT_REVOKE, dataset_resource(s, ds), decision, g.purpose, **grant_dict(s, g, acc.now()))
    return g


@dataclass(frozen=True, slots=True)
class GrantFilter:
    dataset: str | None = None
    principal: str | None = None
    live_only: bool = False


def list_grants(acc: AccessContext, flt: GrantFilter = GrantFilter()) -> list[dict[str, Any]]:
    """Grants the caller may see: all of a dataset it governs or audits, and those naming the caller."""
    s = acc.session
    q = select(Grant).order_by(Grant.id)
    if flt.dataset:
        q = q.where(Grant.dataset_id == repo.get_dataset(s, flt.dataset).id)
    if flt.principal:
        q = q.where(Grant.principal_id == get_principal(s, flt.principal).id)
    now = acc.now()
    out, readable = [], dict[int, bool]()
    for g in s.scalars(q):
        if g.dataset_id not in readable:
            ds = s.get(Dataset, g.dataset_id)
            assert ds is not None
            readable[g.dataset_id] = acc.decide(Action.GRANT_READ, dataset_resource(s, ds)).allowed
        mine = acc.actor is not None and (
            (g.principal_id is not None and g.principal_id == acc.actor.id)
            or (bool(g.team) and g.team == acc.actor.team)
        )
        if not (readable[g.dataset_id] or mine):
            continue
        row = grant_dict(s, g, now)
        if flt.live_only and row["state"] != "live":
            continue
        out.append(row)
    return out


def grants_of_datasets(s: Session, dataset_ids: Sequence[int], now: datetime) -> list[dict[str, Any]]:
    if not dataset_ids:
        return []
    rows = s.scalars(select(Grant).where(Grant.dataset_id.in_(dataset_ids)).order_by(Grant.id))
    return [grant_dict(s, g, now) for g in rows]


def grant_dict(s: Session, g: Grant, now: datetime) -> dict[str, Any]:
    ds = s.get(Dataset, g.dataset_id)
    grantee = s.get(Principal, g.principal_id) if g.principal_id is not None else None
    return {
        "id": g.id,
        "dataset": ds.ref if ds else None,
        "version": g.version_number,
        "principal": grantee.name if grantee else None,
        "team": g.team or None,
        "purpose": g.purpose,
        "not_before": as_utc(g.not_before).isoformat() if g.not_before else None,
        "expires_at": as_utc(g.expires_at).isoformat(),
        "state": grant_state(g, now),
        "granted_by": g.granted_by,
        "request": g.request_id,
        "note": g.note,
        "revoked_at": as_utc(g.revoked_at).isoformat() if g.revoked_at else None,
        "revoked_by": g.revoked_by or None,
        "revoke_reason": g.revoke_reason or None,
    }


def _get(s: Session, grant_id: int) -> Grant:
    g = s.get(Grant, grant_id)
    if g is None:
        raise NotFound(f"Grant {grant_id} not found", grant=grant_id)
    return g
