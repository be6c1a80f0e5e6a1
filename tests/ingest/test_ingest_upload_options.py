"""What an uploader declares about the files (raw PCM format, languages): validated, stored with the contribution,
and used when the job reads the files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dataharbor.catalog import repo
from dataharbor.catalog.models import Contribution
from dataharbor.errors import InvalidInput
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import check_upload_options, parse_pcm_format, upload
from dataharbor.pipeline.jobs import run_job
from dataharbor.select.browse import iter_records


def test_declared_options_are_normalised() -> None:
    assert check_upload_options({"pcm_format": " S16LE:16000:1 ", "languages": ["FR", " en "]}) == {
        "pcm_format": "s16le:16000:1",
        "languages": ["fr", "en"],
    }
    assert check_upload_options({"pcm_format": "", "languages": []}) == {}  # nothing declared
    assert parse_pcm_format("f32le:8000:2") == ("f32le", 8000, 2, "f32le:8000:2")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pcm_format": "s16le:16000"}, "PCM format 's16le:16000' is not <sample format>:<rate>:<channels>"),
        ({"pcm_format": "mp3:16000:1"}, "PCM format 'mp3:16000:1' is not"),
        ({"pcm_format": "s16le:44:1"}, "PCM format 's16le:44:1' is not"),
        ({"pcm_format": "s16le:16000:0"}, "PCM format 's16le:16000:0' is not"),
        ({"languages": ["english"]}, "ISO 639 codes"),
        ({"codec": "opus"}, "Unknown upload options: codec"),
    ],
)
def test_bad_declarations_are_refused_with_what_is_expected(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_upload_options(options)
    assert message in str(err.value)


def test_a_bad_declaration_stores_nothing(harbor: Harbor, make_dataset: Any, tmp_path: Path) -> None:
    ref = make_dataset()
    note = tmp_path / "note.txt"
    note.write_text("A short note about the reading room.\n")
    with pytest.raises(InvalidInput), harbor.catalog.session() as s:
        upload(s, harbor.store, dataset_ref=ref, paths=[note], options={"pcm_format": "bad"})
    with harbor.catalog.session() as s:
        assert s.scalars(select(Contribution)).all() == []


@pytest.mark.slow
def test_raw_pcm_declared_at_upload_is_transcribed_by_the_job(
    harbor: Harbor, make_dataset: Any, speech_clips: dict[str, Path]
) -> None:
    """speech.raw has no header: only the declared format makes it readable, and the declared language is used."""
    harbor.settings.asr_model = "tiny.en"  # the quick English model: the plumbing is under test, not accuracy
    ref = make_dataset(languages=("fr",))  # the upload's declaration overrides the dataset's languages
    declared = {"pcm_format": "s16le:16000:1", "languages": ["en"]}
    with harbor.catalog.session() as s:
        job = upload(s, harbor.store, dataset_ref=ref, paths=[speech_clips["speech.raw"]], options=declared).job_id
    outcome = run_job(harbor.catalog, harbor.settings, job)
    assert outcome.failed_files == []
    with harbor.catalog.session() as s:
        assert s.scalars(select(Contribution.options)).one() == declared
        version = repo.get_version(s, repo.get_dataset(s, ref), outcome.version)
    records = list(iter_records(harbor.store, version)) + list(iter_records(harbor.store, version, dropped=True))
    assert records and all(r.modality == "audio" for r in records)
    assert records[0].metadata["asr"]["model"] == "tiny.en" and records[0].metadata["asr"]["language"] == "en"
    assert "quarterly report" in " ".join(r.text for r in records).lower()
