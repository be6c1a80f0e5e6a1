"""The demo: the default profile end to end over the bundled samples, as the README's first command runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dataharbor.catalog import repo
from dataharbor.cli import app
from dataharbor.config import Settings
from dataharbor.harbor import Harbor
from dataharbor.select.browse import iter_records


@pytest.mark.slow
def test_demo_runs_the_default_profile_end_to_end(tmp_path: Path) -> None:
    home = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", "--home", str(home)], env={"DATAHARBOR_EXECUTOR": "inline", "COLUMNS": "200"}
    )
    assert result.exit_code == 0, (result.output, result.exception)
    out = result.output
    for expected in (
        "Files",
        "Dropped, by stage and reason",
        "PII redacted, by type",
        "Languages of kept",
        "after redaction",
        "integrity root",
        "trace of",
    ):
        assert expected in out
    h = Harbor.open(Settings(home=home))
    try:
        with h.catalog.session() as s:
            version = repo.get_version(s, repo.get_dataset(s, "city-library/letters-and-reports"))
        kept = list(iter_records(h.store, version))
        dropped = list(iter_records(h.store, version, dropped=True))
    finally:
        h.close()
    texts = " ".join(r.text for r in kept)
    # personal data is redacted in the published records, never present as values in annotations
    for value in ("margaret.ellison@example.org", "+44 20 7946 0958", "claire.dubois@example.fr", "06 12 34 56 78"):
        assert value not in texts
        assert all(value not in str(r.annotations) for r in kept)
    assert "<EMAIL>" in texts and "<PHONE>" in texts and "<PERSON>" in texts
    assert {r.annotations["language"]["lang"] for r in kept} == {"en", "fr"}
    reasons = {r.drop_reason for r in dropped}
    assert {"near_duplicate", "exact_duplicate"} <= reasons
    assert any(r.dropped_by == "quality" for r in dropped)  # the keyword-stuffed junk
    flagged = [r for r in kept if r.annotations["safety"]["flagged"]]
    assert [r.provenance.location for r in flagged] == [{"row": 5}]  # only the hateful review
    # every kept record has every stage's annotation
    assert all(
        {"normalize", "language", "quality", "pii", "safety", "minhash", "dedup"} <= set(r.annotations) for r in kept
    )
    # the scanned page and the recording are read by OCR and speech recognition, with provenance and confidence
    scan = next(r for r in kept if r.provenance.source_name.endswith("annual-report-1998-page-3.jpg"))
    assert scan.modality == "image" and "nine hundred prints" in scan.text
    assert scan.metadata["ocr"]["confidence"] > 0.6 and scan.annotations["confidence"]["kind"] == "ocr"
    speech = [r for r in kept if r.provenance.source_name.endswith("sense-and-sensibility-reading.flac")]
    assert speech and all(r.modality == "audio" for r in speech)
    heard = " ".join(r.text for r in speech)
    assert "leisure to consider" in heard and "<PERSON>" in heard  # "Mr. John Dashwood", redacted in the transcript
    assert all(0 <= r.provenance.location["start"] < r.provenance.location["end"] for r in speech)
