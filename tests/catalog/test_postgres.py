"""The same code paths on PostgreSQL: migrations, catalog writes and a whole processing job."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataharbor.catalog import repo
from dataharbor.config import Settings
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.jobs import run_job
from dataharbor.select.browse import iter_records, trace

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "bundle"


@pytest.mark.postgres
def test_a_job_end_to_end_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "h", database_url=pg_url, executor="inline")
    h = Harbor.open(settings, create=True)
    try:
        with h.catalog.session() as s:
            repo.add_partner(s, name="acme")
            repo.create_dataset(s, partner="acme", name="docs", tier="open", license="CC0-1.0", languages=["en"])
        with h.catalog.session() as s:
            job = upload(s, h.store, dataset_ref="acme/docs", paths=[SAMPLES], profile="minimal").job_id
        outcome = run_job(h.catalog, h.settings, job)
        assert outcome.stats["kept"] > 5 and outcome.stats["files"]["failed"] == 2
        with h.catalog.session() as s:
            version = repo.get_version(s, repo.get_dataset(s, "acme/docs"))
            first = next(iter_records(h.store, version))
            assert trace(s, h.store, first.id).to_dict()["partner"] == "acme"
        # reopening checks the schema revision without Alembic
        Harbor.open(settings).close()
    finally:
        h.close()
