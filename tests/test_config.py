from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dataharbor.config import Settings


def test_defaults_put_catalog_and_store_in_home(tmp_path: Path) -> None:
    s = Settings(home=tmp_path / "h")
    assert s.catalog_url == f"sqlite:///{tmp_path / 'h' / 'catalog.db'}"
    assert s.resolved_store_url == str(tmp_path / "h" / "store")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATAHARBOR_HOME", str(tmp_path))
    monkeypatch.setenv("DATAHARBOR_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("DATAHARBOR_STORE_URL", "s3://bucket/harbor")
    s = Settings()
    assert s.resolved_home == tmp_path.resolve()
    assert s.catalog_url == "postgresql+psycopg://u@h/db"
    assert s.resolved_store_url == "s3://bucket/harbor"


def test_bad_executor_is_named_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAHARBOR_EXECUTOR", "threads")
    with pytest.raises(ValidationError, match="DATAHARBOR_EXECUTOR has value 'threads'"):
        Settings()
