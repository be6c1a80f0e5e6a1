"""Build policy `Resource`s from catalog rows (with the grants that could apply to the actor)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dataharbor.access.subjects import PLATFORM, Actor, GrantView, Resource
from dataharbor.catalog.models import Dataset, DatasetVersion, Grant, Partner, Principal


def grant_view(g: Grant) -> GrantView:
    return GrantView(
        id=g.id,
        dataset_id=g.dataset_id,
        version=g.version_number,
        principal_id=g.principal_id,
        team=g.team,
        purpose=g.purpose,
        not_before=g.not_before,
        expires_at=g.expires_at,
        revoked_at=g.revoked_at,
    )


def dataset_resource(
    s: Session, ds: Dataset, version: DatasetVersion | None = None, actor: Actor | None = None
) -> Resource:
    grants: tuple[GrantView, ...] = ()
    if actor is not None and (actor.id is not None or actor.team):
        who = []
        if actor.id is not None:
            who.append(Grant.principal_id == actor.id)
        if actor.team:
            who.append(Grant.team == actor.team)
        rows = s.scalars(select(Grant).where(Grant.dataset_id == ds.id, or_(*who)).order_by(Grant.id))
        grants = tuple(grant_view(g) for g in rows)
    return Resource(
        kind="dataset",
        label=ds.ref + (f"@v{version.number}" if version is not None else ""),
        partner_id=ds.partner_id,
        dataset_id=ds.id,
        tier=ds.tier,
        purposes=tuple(ds.purposes),
        version=version.number if version is not None else None,
        version_state=version.state if version is not None else None,
        grants=grants,
    )


def partner_resource(p: Partner) -> Resource:
    return Resource(kind="partner", label=p.name, partner_id=p.id)


def principal_resource(p: Principal) -> Resource:
    return Resource(kind="principal", label=p.name, partner_id=p.partner_id, principal_id=p.id)


def platform_resource() -> Resource:
    return PLATFORM
