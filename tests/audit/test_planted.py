"""The audit surfaces the problems planted in real data, each as an asserted finding code."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from dataharbor.access.subjects import LOCAL_ADMIN
from dataharbor.audit import read_report, render
from dataharbor.catalog import repo
from dataharbor.config import Settings
from dataharbor.evaldata import evaldata_dir
from dataharbor.harbor import Harbor

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "bundle"


def _report(harbor: Harbor, act_as, ref: str) -> dict:  # type: ignore[no-untyped-def]
    with act_as(LOCAL_ADMIN) as acc:
        return read_report(acc, repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1))


@pytest.mark.slow
def test_demo_bundle_duplicates_pii_junk_and_offensive_content(harbor: Harbor, make_dataset, process, act_as) -> None:  # type: ignore[no-untyped-def]
    ref = make_dataset("demo/library", languages=("en",))
    outcome = process(ref, [SAMPLES], profile="default")
    assert outcome.audit["verdict"] in ("needs_review", "fail")
    report = _report(harbor, act_as, ref)
    codes = {f["code"] for f in report["findings"]}
    assert {"errors.duplicates", "pii.found", "quality.junk_dropped", "safety.flagged"} <= codes, codes
    assert {"errors.failed_files", "errors.language_mismatch"} <= codes  # the bundle's junk files, its French notes
    sections = report["sections"]
    assert sections["composition"]["tokens"] > sections["composition"]["records"] > 0
    assert sections["pii"]["entities"] and sections["quality"]["signals"]
    html = render(report, "html")
    # one self-contained file: inline style and SVG, nothing fetched
    assert "<svg" in html and "<style>" in html
    assert not re.search(r"<script|<link|<img|@import|src=|https?://", html, re.IGNORECASE)


@pytest.fixture
def toxic_and_french(tmp_path: Path) -> Path:
    """A slice of the Davidson tweets labelled offensive, and French UDHR paragraphs (not declared)."""
    root = evaldata_dir()
    folder = tmp_path / "upload"
    folder.mkdir()
    with (root / "toxicity/davidson_hate_offensive/labeled_data.csv").open(encoding="utf-8") as fh:
        offensive = [r["tweet"] for r in csv.DictReader(fh) if r["class"] == "1"][:60]
    (folder / "tweets.jsonl").write_text("".join(f'{{"text": {_json(t)}}}\n' for t in offensive), encoding="utf-8")
    french = [p for p in (root / "text/udhr/txt/fra.txt").read_text(encoding="utf-8").split("\n") if len(p) > 80]
    for i, para in enumerate(french[:12]):
        (folder / f"fr-{i}.txt").write_text(para, encoding="utf-8")
    return folder


def _json(s: str) -> str:
    import json

    return json.dumps(s)


@pytest.mark.slow
def test_toxicity_and_undeclared_language(tmp_path: Path, toxic_and_french: Path, make_dataset, act_as) -> None:  # type: ignore[no-untyped-def]
    profiles = tmp_path / "profiles.yaml"
    profiles.write_text(
        "profiles:\n  screen:\n    description: t\n    stages: [normalize, language, safety, minhash, dedup]\n",
        encoding="utf-8",
    )
    del make_dataset  # this test builds its own harbor with the custom profile
    settings = Settings(home=tmp_path / "h2", executor="inline", pipeline_config=str(profiles))
    h = Harbor.open(settings, create=True)
    try:
        from dataharbor.ingest.upload import upload
        from dataharbor.pipeline.jobs import run_job

        with h.catalog.session() as s:
            repo.add_partner(s, name="forum")
            repo.create_dataset(s, partner="forum", name="posts", tier="open", license="CC-BY-4.0", languages=["en"])
        with h.catalog.session() as s:
            job = upload(s, h.store, dataset_ref="forum/posts", paths=[toxic_and_french], profile="screen").job_id
        outcome = run_job(h.catalog, h.settings, job)
        assert "error" not in outcome.audit
        from dataharbor.access.auditlog import AuditLog
        from dataharbor.access.context import AccessContext

        with h.catalog.session() as s:
            acc = AccessContext(s, LOCAL_ADMIN, AuditLog.in_home(settings.resolved_home))
            report = read_report(acc, repo.get_version(s, repo.get_dataset(s, "forum/posts"), 1))
    finally:
        h.close()
    found = {f["code"]: f for f in report["findings"]}
    assert "safety.flagged" in found and found["safety.flagged"]["severity"] in ("warning", "error")
    assert "errors.language_mismatch" in found and "fr" in found["errors.language_mismatch"]["message"]
    # an open dataset's examples may quote short excerpts
    assert any("excerpt" in ex for ex in found["safety.flagged"]["examples"])
    assert report["sections"]["bias"]["toxicity_baseline"]["scored"] > 0
