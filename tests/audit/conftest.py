"""Audit test helpers: upload files into a dataset and run its job here (the job audits the version)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

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
