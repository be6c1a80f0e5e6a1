from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from dataharbor.catalog import tables  # noqa: F401  (all tables on the metadata)
from dataharbor.catalog.base import Base
from dataharbor.catalog.db import HEAD_REVISION, alembic_config, is_current, make_engine, migrate


def test_migrations_build_exactly_the_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    migrate(url)
    migrate(url)  # idempotent
    engine = make_engine(url)
    assert is_current(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], f"models and migrations differ; add a migration: {diff}"
    names = set(inspect(engine).get_table_names())
    assert {"partners", "datasets", "contributions", "files", "jobs", "dataset_versions"} <= names
    engine.dispose()


def test_head_revision_constant_matches_alembic() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() == HEAD_REVISION


def test_an_out_of_date_catalog_is_refused_until_init_migrates_it(tmp_path: Path) -> None:
    import pytest
    from sqlalchemy import text

    from dataharbor.config import Settings
    from dataharbor.errors import ConfigError
    from dataharbor.harbor import Harbor

    settings = Settings(home=tmp_path / "h")
    Harbor.open(settings, create=True).close()
    engine = make_engine(settings.catalog_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    engine.dispose()
    with pytest.raises(ConfigError, match="out of date"):
        Harbor.open(settings)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE alembic_version SET version_num = '{HEAD_REVISION}'"))
    engine.dispose()
    Harbor.open(settings).close()
