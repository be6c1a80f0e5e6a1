"""Shared fixtures: a fresh platform home per test, and small factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from dataharbor.catalog import repo
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
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "harbor", executor="inline", profile="minimal")


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


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, throw-away PostgreSQL database on the local server (skips when none answers)."""
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"dataharbor_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"no PostgreSQL server at {PG_SERVER}: {exc.__class__.__name__}")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
