"""Shared fixtures: a fresh platform home per test, and small factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from dataharbor.access.auditlog import AuditLog
from dataharbor.access.context import AccessContext
from dataharbor.access.principals import add_principal
from dataharbor.access.subjects import LOCAL_ADMIN, Actor
from dataharbor.catalog import repo
from dataharbor.catalog.db import migrate
from dataharbor.config import Settings
from dataharbor.harbor import Harbor

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "samples" / "bundle"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's DATAHARBOR_* settings."""
    import os

    for key in list(os.environ):
        if key.startswith("DATAHARBOR_") and key != "DATAHARBOR_EVALDATA":
            monkeypatch.delenv(key)


@pytest.fixture
def settings(tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh home; its catalog is SQLite in the home, or (DATAHARBOR_TEST_DATABASE=postgres) a fresh PostgreSQL
    database, which CLI calls made by the test find through DATAHARBOR_DATABASE_URL."""
    database_url = ""
    if ON_POSTGRES:
        database_url = request.getfixturevalue("_pg_catalog_db")
        monkeypatch.setenv("DATAHARBOR_DATABASE_URL", database_url)
    return Settings(home=tmp_path / "harbor", executor="inline", profile="minimal", database_url=database_url)


@pytest.fixture
def harbor(settings: Settings) -> Iterator[Harbor]:
    h = Harbor.open(settings, create=True)
    yield h
    h.close()


class DatasetFactory(Protocol):
    def __call__(
        self,
        ref: str = ...,
        *,
        tier: str = ...,
        license: str = ...,
        languages: tuple[str, ...] = ...,
        pii_policy: str = ...,
    ) -> str: ...


@pytest.fixture
def make_dataset(harbor: Harbor) -> DatasetFactory:
    """Create a dataset (and its partner when new) in the test's harbor; returns its ref."""

    def make(
        ref: str = "acme/corpus",
        *,
        tier: str = "open",
        license: str = "CC-BY-4.0",
        languages: tuple[str, ...] = ("en",),
        pii_policy: str = "redact",
    ) -> str:
        partner, name, _ = repo.parse_ref(ref)
        with harbor.catalog.session() as s:
            if partner not in {p.name for p in repo.list_partners(s)}:
                repo.add_partner(s, name=partner)
            repo.create_dataset(
                s,
                partner=partner,
                name=name,
                tier=tier,
                license=license,
                languages=list(languages),
                pii_policy=pii_policy,
            )
        return ref

    return make


PG_SERVER = os.environ.get("DATAHARBOR_TEST_POSTGRES_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
# `DATAHARBOR_TEST_DATABASE=postgres pytest`: every test that uses the catalog (through the `settings` fixture, and so
# `harbor` and everything built on them) runs on PostgreSQL; tests that never touch the catalog are deselected, as
# that pass would only repeat them. With no server answering, that run fails: it never skips.
TEST_DATABASE = os.environ.get("DATAHARBOR_TEST_DATABASE", "sqlite")
if TEST_DATABASE not in ("sqlite", "postgres"):
    raise pytest.UsageError(f"DATAHARBOR_TEST_DATABASE has value '{TEST_DATABASE}'. Not one of: sqlite, postgres.")
ON_POSTGRES = TEST_DATABASE == "postgres"
CATALOG_FIXTURES = frozenset({"settings", "pg_url"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not ON_POSTGRES:
        return
    keep, skip = [], []
    for item in items:
        uses_catalog = CATALOG_FIXTURES & set(getattr(item, "fixturenames", ()))
        (keep if uses_catalog else skip).append(item)
    if skip:
        config.hook.pytest_deselected(items=skip)
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> str:
    return f"catalog under test: {TEST_DATABASE}" + (f" ({PG_SERVER})" if ON_POSTGRES else "")


def _pg_admin() -> Engine:
    return create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def _create_database(admin: Engine, template: str | None = None) -> str:
    name = f"dataharbor_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    return name


def _drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _pg_template() -> Iterator[str]:
    """A database migrated once per run; each test's catalog is a copy of it (CREATE DATABASE … TEMPLATE: ~0.4 s
    for create + drop here, against ~1.2 s for create + migrate + drop)."""
    admin = _pg_admin()
    try:
        name = _create_database(admin)
    except OperationalError as exc:
        admin.dispose()
        pytest.fail(f"DATAHARBOR_TEST_DATABASE=postgres but no PostgreSQL server answers at {PG_SERVER}: {exc}")
    try:
        migrate(f"{PG_SERVER}/{name}")  # Alembic's engine closes its connections: a template must have none
        yield name
    finally:
        _drop_database(admin, name)
        admin.dispose()


@pytest.fixture
def _pg_catalog_db(_pg_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL catalog for one test, dropped after it."""
    admin = _pg_admin()
    name = _create_database(admin, template=_pg_template)
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        _drop_database(admin, name)
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the local server (skips when none answers, fails in the PG pass)."""
    admin = _pg_admin()
    try:
        name = _create_database(admin)
    except OperationalError as exc:
        admin.dispose()
        message = f"no PostgreSQL server at {PG_SERVER}: {exc.__class__.__name__}"
        if ON_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        _drop_database(admin, name)
        admin.dispose()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3 API on loopback for the whole run: moto's ThreadedMotoServer (the `s3` extra). An emulator of S3's
    API, not S3: it proves the code paths, not AWS's consistency or performance."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_settings(settings: Settings, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test's settings with the store in a fresh bucket on the loopback S3 server (catalog unchanged)."""
    import fsspec.config

    # the store options are shared process-wide (and with spawned workers): undo that after the test
    monkeypatch.setenv("FSSPEC_S3", "{}")
    monkeypatch.setitem(fsspec.config.conf, "s3", {})
    s3 = settings.model_copy(
        update={
            "store_url": f"s3://harbor-{uuid.uuid4().hex[:12]}/prod",
            "store_endpoint_url": s3_endpoint,
            "store_region": "us-east-1",
            "store_access_key_id": "testing",
            "store_secret_access_key": SecretStr("testing"),
        }
    )
    s3.model_post_init(None)  # model_copy skips it: share the options as a fresh Settings would
    import boto3

    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="x"
    )
    client.create_bucket(Bucket=s3.store_url.removeprefix("s3://").split("/")[0])  # us-east-1: no location needed
    client.close()
    return s3


ActAs = Callable[..., AbstractContextManager[AccessContext]]


@pytest.fixture
def act_as(harbor: Harbor) -> ActAs:
    """`with act_as(actor) as acc:` one unit of work acting as `actor` (None: anonymous; default: local-admin)."""
    log = AuditLog.in_home(harbor.settings.resolved_home)

    @contextmanager
    def scope(actor: Actor | None = LOCAL_ADMIN) -> Iterator[AccessContext]:
        with harbor.catalog.session() as s:
            yield AccessContext(s, actor, log)

    return scope


@pytest.fixture
def make_principal(act_as: ActAs) -> Callable[..., int]:
    """`make_principal(name, *roles, partner=, team=)` → the new principal's id."""

    def make(name: str, *roles: str, partner: str | None = None, team: str = "") -> int:
        with act_as() as acc:
            return add_principal(acc, name=name, roles=list(roles), partner=partner, team=team).id

    return make
