"""A job end to end: upload → records → stages → an immutable version; failure leaves nothing half-written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dataharbor.catalog import repo
from dataharbor.catalog.models import DatasetVersion, File, Job
from dataharbor.domain.record import Record
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.executors import InlineExecutor, ProcessExecutor
from dataharbor.pipeline.jobs import run_job
from dataharbor.pipeline.stage import Stage, register_stage
from dataharbor.select.browse import iter_records, trace

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "bundle"


def _upload(h: Harbor, ref: str, paths: Sequence[Path], profile: str = "minimal") -> int:
    with h.catalog.session() as s:
        return upload(s, h.store, dataset_ref=ref, paths=list(paths), profile=profile).job_id


def _version(h: Harbor, ref: str, number: int | None = None) -> DatasetVersion:
    with h.catalog.session() as s:
        return repo.get_version(s, repo.get_dataset(s, ref), number)


def test_samples_become_a_traceable_version(harbor: Harbor, make_dataset: Any) -> None:
    ref = make_dataset("library/letters", languages=("en", "fr"))
    job_id = _upload(harbor, ref, [SAMPLES])
    outcome = run_job(harbor.catalog, harbor.settings, job_id)
    assert outcome.version == 1
    v = _version(harbor, ref)
    assert v.state == "audited" and v.number == 1 and v.config_hash  # the job audits what it committed
    # every shard in the manifest is there, with the hash it claims
    for shard in v.manifest["shards"]:
        data = (Path(harbor.store.root) / shard["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == shard["sha256"]
    kept = list(iter_records(harbor.store, v))
    dropped = list(iter_records(harbor.store, v, dropped=True))
    assert len(kept) == v.stats["version"]["records"] > 5
    assert all(r.dropped_by and r.drop_reason for r in dropped)
    # the near-copy of the committee minutes inside the zip is a near duplicate
    reasons = {(r.provenance.location.get("member"), r.drop_reason) for r in dropped}
    assert ("minutes/2025-03-committee-copy.md", "near_duplicate") in reasons
    # the board letter was contributed twice (a .txt, then a JSONL line): the later copy is an exact duplicate
    assert any(
        r.drop_reason == "exact_duplicate" and r.provenance.source_name.endswith("letters.jsonl") for r in dropped
    )
    with harbor.catalog.session() as s:
        files = {f.name.split("/")[-1]: f for f in s.scalars(select(File))}
        assert files["empty.txt"].status == "failed" and "empty" in files["empty.txt"].error
        assert files["scan-export.txt"].status == "failed" and "binary" in files["scan-export.txt"].error
        assert files["letters.jsonl"].status == "ok"
        assert [i["reason"] for i in files["letters.jsonl"].issues] == ["malformed_json_line"]
        assert files["closure-notice.pdf"].records == 2
        # trace: kept and dropped records lead back to partner, file, location and extractor
        for rec in (kept[0], dropped[0]):
            t = trace(s, harbor.store, rec.id).to_dict()
            assert t["partner"] == "library" and t["dataset"] == ref and t["version"] == 1
            assert t["file"]["sha256"] == rec.provenance.source_sha256
            assert t["location"] == rec.provenance.location and t["extractor"]["name"]
            assert t["decision"] == ("kept" if rec.kept else "dropped")
            assert t["pipeline"]["config_hash"] == v.config_hash
        job = s.get(Job, job_id)
        assert job is not None and job.state == "succeeded" and job.progress_done == job.progress_total


def test_second_upload_of_same_files_builds_on_the_parent(harbor: Harbor, make_dataset: Any) -> None:
    ref = make_dataset()
    pdf = SAMPLES / "documents" / "closure-notice.pdf"
    run_job(harbor.catalog, harbor.settings, _upload(harbor, ref, [pdf]))
    html = SAMPLES / "reports" / "annual-report-2025.html"
    run_job(harbor.catalog, harbor.settings, _upload(harbor, ref, [pdf, html]))
    v1, v2 = _version(harbor, ref, 1), _version(harbor, ref, 2)
    assert v2.parent_number == 1
    assert v2.stats["run"]["files"].get("duplicate") == 1  # the PDF again: stored once, not reprocessed
    assert v2.stats["version"]["records"] == v1.stats["version"]["records"] + 1
    assert {s["path"] for s in v1.manifest["shards"]} < {s["path"] for s in v2.manifest["shards"]}
    assert v1.integrity_root != v2.integrity_root


_EXPLODE = {"on": True}


@register_stage
class ExplodingStage(Stage):
    """Test-only stage: fails mid-job while `_EXPLODE["on"]`."""

    name = "test_explode"
    scope = "global"

    def process(self, batch: Sequence[Record]) -> None:
        if _EXPLODE["on"]:
            raise RuntimeError("disk full (simulated)")


def test_a_failed_job_leaves_no_version_and_reruns_cleanly(harbor: Harbor, make_dataset: Any, tmp_path: Path) -> None:
    cfg = tmp_path / "profiles.yaml"
    cfg.write_text("profiles:\n  boom: {stages: [normalize, minhash, dedup, test_explode]}\n")
    harbor.settings.pipeline_config = str(cfg)
    ref = make_dataset()
    job_id = _upload(harbor, ref, [SAMPLES / "reports"], profile="boom")
    _EXPLODE["on"] = True
    with pytest.raises(RuntimeError, match="disk full"):
        run_job(harbor.catalog, harbor.settings, job_id)
    with harbor.catalog.session() as s:
        assert s.scalars(select(DatasetVersion)).all() == []
        job = s.get(Job, job_id)
        assert job is not None and job.state == "failed" and "disk full" in job.error
    store_root = Path(harbor.store.root)
    assert not (store_root / "versions" / "d1" / "v1").exists()
    assert not (store_root / "versions" / "d1" / "v1.staging").exists()
    # a process that died between publishing the folder and committing the catalog leaves an orphan
    orphan = store_root / "versions" / "d1" / "v1"
    orphan.mkdir(parents=True)
    (orphan / "records-00000.parquet").write_bytes(b"half-written")
    _EXPLODE["on"] = False
    outcome = run_job(harbor.catalog, harbor.settings, job_id)
    assert (orphan / "records-00000.parquet").read_bytes().startswith(b"PAR1")
    assert outcome.version == 1 and outcome.stats["kept"] == 2  # the dedup index forgot the failed attempt
    with harbor.catalog.session() as s:
        job = s.get(Job, job_id)
        assert job is not None and job.attempts == 2 and job.state == "succeeded"


def test_an_error_after_the_commit_does_not_undo_the_version(
    harbor: Harbor, make_dataset: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An interrupt during the post-job audit must leave the published version and its dedup entries alone."""
    import dataharbor.pipeline.jobs as jobs

    def interrupted(*args: Any) -> dict[str, Any]:
        raise KeyboardInterrupt

    monkeypatch.setattr(jobs, "_audit", interrupted)
    a, b = make_dataset("p/a"), make_dataset("p/b")
    html = SAMPLES / "reports" / "annual-report-2025.html"
    job_id = _upload(harbor, a, [html])
    with pytest.raises(KeyboardInterrupt):
        run_job(harbor.catalog, harbor.settings, job_id)
    with harbor.catalog.session() as s:
        job = s.get(Job, job_id)
        version = s.scalar(select(DatasetVersion))
        assert job is not None and job.state == "succeeded"
        assert version is not None and version.state == "processed" and version.manifest["shards"]
    monkeypatch.undo()
    # the platform dedup index kept the committed version's entries: the same page in another dataset is a duplicate
    run_job(harbor.catalog, harbor.settings, _upload(harbor, b, [html]))
    assert _version(harbor, b).stats["run"]["drop_reasons"] == {"dedup:exact_duplicate": 1}


def test_duplicate_detection_across_datasets_only_after_commit(harbor: Harbor, make_dataset: Any) -> None:
    a, b = make_dataset("p/a"), make_dataset("p/b")
    html = SAMPLES / "reports" / "annual-report-2025.html"
    run_job(harbor.catalog, harbor.settings, _upload(harbor, a, [html]))
    run_job(harbor.catalog, harbor.settings, _upload(harbor, b, [html]))
    vb = _version(harbor, b)
    assert vb.stats["run"]["drop_reasons"] == {"dedup:exact_duplicate": 1}


@pytest.mark.slow
def test_process_pool_gives_the_same_version_as_inline(harbor: Harbor, make_dataset: Any) -> None:
    a, b = make_dataset("p/inline"), make_dataset("q/pool")
    run_job(harbor.catalog, harbor.settings, _upload(harbor, a, [SAMPLES]))
    # a separate platform index per comparison: dataset b must not see a's records as duplicates
    with harbor.catalog.engine.begin() as conn:
        from dataharbor.catalog.dedup_index import TABLES

        for t in TABLES:
            conn.execute(t.delete())
    run_job(harbor.catalog, harbor.settings, _upload(harbor, b, [SAMPLES]), executor=ProcessExecutor(2))
    va, vb = _version(harbor, a), _version(harbor, b)
    ka = [(r.provenance.source_name, r.text) for r in iter_records(harbor.store, va)]
    kb = [(r.provenance.source_name, r.text) for r in iter_records(harbor.store, vb)]
    assert ka == kb and va.stats["run"]["drop_reasons"] == vb.stats["run"]["drop_reasons"]


class _TwoWide(InlineExecutor):
    """Plans like a 2-worker pool, runs inline: tests the splitting without process start-up."""

    parallelism = 2


def test_large_line_files_are_split_across_workers_without_loss(
    harbor: Harbor, make_dataset: Any, tmp_path: Path
) -> None:
    ref = make_dataset()
    rows = [
        json.dumps(
            {
                "text": f"Entry {i}: the ferry left the quay at {i} minutes past the hour, "
                f"carrying {i * 3} passengers and the post for the island school."
            }
        )
        for i in range(300)
    ]
    rows.insert(150, "{not json")
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(rows) + "\n")
    bad = tmp_path / "no-column.csv"
    bad.write_text("title,body\n" + "\n".join(f"row {i},cell {i}" for i in range(400)) + "\n")
    harbor.settings.split_bytes = 4096
    job_id = _upload(harbor, ref, [big, bad])
    outcome = run_job(harbor.catalog, harbor.settings, job_id, executor=_TwoWide())
    assert outcome.stats["files"] == {"ok": 1, "failed": 1}
    v = _version(harbor, ref)
    texts = [r.text for r in iter_records(harbor.store, v)] + [
        r.text for r in iter_records(harbor.store, v, dropped=True)
    ]
    assert sorted(texts) == sorted(json.loads(r)["text"] for r in rows if r.startswith('{"'))
    lines = sorted(r.provenance.location["line"] for r in iter_records(harbor.store, v))
    assert len(lines) == len(set(lines)) == 300
    with harbor.catalog.session() as s:
        files = {f.name: f for f in s.scalars(select(File))}
    assert files["big.jsonl"].records == 300
    assert [i["reason"] for i in files["big.jsonl"].issues] == ["malformed_json_line"]  # reported once
    assert "missing_text_column" in files["no-column.csv"].error
