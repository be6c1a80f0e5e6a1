"""What stages remember of a job's text (pieces read, blocks, words, window scores) does not outlive the job in a
process that lives on: the inline executor runs the map in the job's own process (ARCHITECTURE rule 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataharbor.catalog import repo
from dataharbor.domain.record import Provenance, Record
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline import worker
from dataharbor.pipeline.executors import InlineExecutor
from dataharbor.pipeline.jobs import run_job
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages import _pii_gazetteer, _pii_phone
from dataharbor.pipeline.stages._safety_model import builtin_model
from dataharbor.pipeline.stages.pii import PiiStage
from dataharbor.pipeline.stages.safety import SafetyStage

TEXT = "Dear Annabel Quist,\nCall me at (212) 555-0147 tonight. The harbour boats are ugly idiots."


def _read(stages: list[PiiStage | SafetyStage]) -> None:
    for stage in stages:
        stage.ensure_setup()
        stage.process([Record("r1", TEXT, Provenance("0" * 64, "f.txt", "text", "1"))])


def test_closing_the_stages_forgets_the_jobs_text() -> None:
    pii = PiiStage(StageContext(declared_languages=("en",)), ner=False)
    safety = SafetyStage(StageContext())
    _read([pii, safety])
    assert _pii_phone._BLOCK_MATCHES and "Annabel" in _pii_gazetteer._WORDS.seen
    assert safety._memo._scores and builtin_model().featurizer._memo
    pii.close()
    safety.close()
    assert not _pii_phone._BLOCK_MATCHES and not _pii_gazetteer._WORDS.seen
    assert not safety._memo._scores and not builtin_model().featurizer._memo


def test_the_inline_executor_closes_the_worker_when_the_map_ends() -> None:
    closed: list[str] = []
    results = InlineExecutor().map(str, [1, 2], finalizer=lambda: closed.append("closed"))
    assert next(results) == "1" and not closed  # not before the map ends
    assert list(results) == ["2"] and closed == ["closed"]
    failing = InlineExecutor().map(lambda _: 1 // 0, [1], finalizer=lambda: closed.append("after a failure"))
    with pytest.raises(ZeroDivisionError):
        list(failing)
    assert closed[-1] == "after a failure"


@pytest.mark.slow  # the default profile's models load (~10 CPU-s)
def test_a_job_on_the_inline_executor_leaves_no_stage_memory(harbor: Harbor, tmp_path: Path) -> None:
    letter = tmp_path / "letter.txt"
    letter.write_text(TEXT, encoding="utf-8")
    with harbor.catalog.session() as s:
        repo.add_partner(s, name="p")
        repo.create_dataset(s, partner="p", name="d", tier="private", license="LicenseRef-p", languages=["en"])
    with harbor.catalog.session() as s:
        job = upload(s, harbor.store, dataset_ref="p/d", paths=[letter], profile="default").job_id
    assert harbor.settings.executor == "inline"
    run_job(harbor.catalog, harbor.settings, job)
    assert worker._STATE is None
    assert not _pii_phone._BLOCK_MATCHES and not _pii_gazetteer._WORDS.seen
    assert not builtin_model().featurizer._memo
