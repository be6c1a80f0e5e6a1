"""Audit test helpers: upload files into a dataset and run its job here (the job audits the version)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from dataharbor.access.auditlog import AuditLog
from dataharbor.access.context import AccessContext
from dataharbor.access.principals import add_principal
from dataharbor.access.subjects import LOCAL_ADMIN, Actor
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.jobs import JobOutcome, run_job

Process = Callable[..., JobOutcome]


@pytest.fixture
def process(harbor: Harbor) -> Process:
    """`process(ref, paths, profile=...)`: upload and run the job in this process; returns its outcome."""

    def run(ref: str, paths: list[Path], profile: str = "minimal") -> JobOutcome:
        with harbor.catalog.session() as s:
            result = upload(s, harbor.store, dataset_ref=ref, paths=paths, profile=profile)
        return run_job(harbor.catalog, harbor.settings, result.job_id)

    return run


@pytest.fixture
def act_as(harbor: Harbor) -> Callable[..., AbstractContextManager[AccessContext]]:
    """`with act_as(actor) as acc:` one unit of work acting as `actor`."""
    log = AuditLog.in_home(harbor.settings.resolved_home)

    @contextmanager
    def scope(actor: Actor | None = LOCAL_ADMIN) -> Iterator[AccessContext]:
        with harbor.catalog.session() as s:
            yield AccessContext(s, actor, log)

    return scope


@pytest.fixture
def make_principal(act_as: Callable[..., AbstractContextManager[AccessContext]]) -> Callable[..., int]:
    def make(name: str, *roles: str, partner: str | None = None) -> int:
        with act_as() as acc:
            return add_principal(acc, name=name, roles=list(roles), partner=partner).id

    return make
