"""Factories for governance tests: an access context acting as someone, principals with tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest

from dataharbor.access.auditlog import AuditLog
from dataharbor.access.context import AccessContext
from dataharbor.access.principals import add_principal
from dataharbor.access.subjects import LOCAL_ADMIN, Actor
from dataharbor.harbor import Harbor

ActAs = Callable[..., AbstractContextManager[AccessContext]]


@pytest.fixture
def act_as(harbor: Harbor) -> ActAs:
    """`with act_as(actor) as acc:` one unit of work acting as `actor` (None: anonymous)."""
    log = AuditLog.in_home(harbor.settings.resolved_home)

    @contextmanager
    def scope(actor: Actor | None = LOCAL_ADMIN) -> Iterator[AccessContext]:
        with harbor.catalog.session() as s:
            yield AccessContext(s, actor, log)

    return scope


@pytest.fixture
def make_principal(act_as: ActAs) -> Callable[..., int]:
    def make(name: str, *roles: str, partner: str | None = None, team: str = "") -> int:
        with act_as() as acc:
            return add_principal(acc, name=name, roles=list(roles), partner=partner, team=team).id

    return make
