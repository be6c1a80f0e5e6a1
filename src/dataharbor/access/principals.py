"""Principals: users and service accounts of a partner or of the platform, with their roles and team."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataharbor.access.context import AccessContext
from dataharbor.access.policy import Action
from dataharbor.access.resources import platform_resource
from dataharbor.access.subjects import Actor, Role, Scope
from dataharbor.catalog import repo
from dataharbor.catalog.models import Partner, Principal
from dataharbor.errors import Conflict, InvalidInput, NotFound

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN.value, Role.PARTNER_MEMBER.value})
KINDS = ("user", "service")


def actor_of(p: Principal, scope: Scope = Scope.ADMIN) -> Actor:
    return Actor(
        id=p.id,
        name=p.name,
        roles=frozenset(p.roles),
        partner_id=p.partner_id,
        team=p.team,
        scope=scope,
        kind=p.kind,
    )


def get_principal(s: Session, name: str) -> Principal:
    p = s.scalar(select(Principal).where(Principal.name == name))
    if p is None:
        raise NotFound(f"Principal '{name}' not found", principal=name)
    return p


def add_principal(
    acc: AccessContext,
    *,
    name: str,
    roles: Sequence[str],
    partner: str | None = None,
    team: str = "",
    kind: str = "user",
) -> Principal:
    s = acc.session
    decision = acc.require(Action.PRINCIPAL_MANAGE, platform_resource())
    if not _NAME.match(name):
        raise InvalidInput(f"Principal name '{name}' is not valid: letters, digits, '.', '_', '@' or '-'")
    if name == "local-admin" or name == "anonymous":
        raise InvalidInput(f"Principal name '{name}' is reserved")
    if kind not in KINDS:
        raise InvalidInput(f"Principal kind '{kind}' is not valid: expected user or service")
    if not roles:
        raise InvalidInput("A principal needs at least one role (--role)")
    known = {r.value for r in Role}
    for r in roles:
        if r not in known:
            raise InvalidInput(f"Role '{r}' is not valid: expected one of {', '.join(sorted(known))}", role=r)
    owner: Partner | None = repo.get_partner(s, partner) if partner else None
    if PARTNER_ROLES & set(roles) and owner is None:
        raise InvalidInput("Roles partner_admin and partner_member need --partner")
    if team and not _NAME.match(team):
        raise InvalidInput(f"Team name '{team}' is not valid")
    if s.scalar(select(Principal).where(Principal.name == name)):
        raise Conflict(f"Principal '{name}' already exists", principal=name)
    p = Principal(name=name, kind=kind, partner_id=owner.id if owner else None, roles=sorted(set(roles)), team=team)
    s.add(p)
    s.flush()
    acc.audit(
        Action.PRINCIPAL_MANAGE,
        f"principal:{name}",
        decision,
        op="add",
        roles=p.roles,
        partner=partner,
        team=team,
        kind=kind,
    )
    return p


def list_principals(acc: AccessContext, *, partner: str | None = None) -> Sequence[Principal]:
    s = acc.session
    acc.require(Action.PRINCIPAL_READ, platform_resource())
    q = select(Principal).order_by(Principal.name)
    if partner:
        q = q.where(Principal.partner_id == repo.get_partner(s, partner).id)
    return s.scalars(q).all()


def partner_name(s: Session, partner_id: int | None) -> str | None:
    if partner_id is None:
        return None
    p = s.get(Partner, partner_id)
    return p.name if p else None
