"""Workers sharing one catalog: atomic claims, leases taken over after a kill, clean stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dataharbor.catalog import repo
from dataharbor.catalog.db import Catalog
from dataharbor.catalog.models import DatasetVersion, Job
from dataharbor.config import Settings
from dataharbor.domain.record import Record
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline import claims
from dataharbor.pipeline.runner import run_worker
from dataharbor.pipeline.stage import Stage, register_stage
from dataharbor.select.browse import iter_records

SLOW_STAGE = """
import sys, time
from dataharbor.pipeline.stage import Stage, register_stage

@register_stage
class SlowStage(Stage):
    name = "test_slow"
    scope = "global"

    def __init__(self, context, seconds: float = 0.0) -> None:
        super().__init__(context)
        self.seconds = seconds

    def process(self, batch) -> None:
        time.sleep(self.seconds)

from dataharbor.cli import main
sys.argv = ["dataharbor", *sys.argv[1:]]
main()
"""


@register_stage
class SlowStage(Stage):
    """Test-only stage (also defined in the worker script above): a pause per batch, so a test can stop a job."""

    name = "test_slow"
    scope = "global"

    def __init__(self, context: Any, seconds: float = 0.0) -> None:
        super().__init__(context)
        self.seconds = seconds

    def process(self, batch: Sequence[Record]) -> None:
        time.sleep(self.seconds)


def _corpus(folder: Path, n: int = 12) -> Path:
    """`n` distinct documents (their words name the folder) and a near-copy of one: dedup drops it."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        words = " ".join(f"{folder.name}w{i}x{j}" for j in range(60))
        (folder / f"doc{i:02d}.txt").write_text(f"Document {i} of the corpus. {words}.\n")
    (folder / "copy.txt").write_text((folder / "doc01.txt").read_text().replace("Document", "A copy of document"))
    return folder


def _profiles(tmp_path: Path, seconds: float) -> Path:
    cfg = tmp_path / "profiles.yaml"
    cfg.write_text(
        f"profiles:\n  slow: {{stages: [normalize, minhash, dedup, {{test_slow: {{seconds: {seconds}}}}}]}}\n"
    )
    return cfg


def _add_dataset(h: Harbor, name: str) -> str:
    with h.catalog.session() as s:
        if "acme" not in {p.name for p in repo.list_partners(s)}:
            repo.add_partner(s, name="acme")
        repo.create_dataset(s, partner="acme", name=name, tier="open", license="CC0-1.0", languages=["en"])
    return f"acme/{name}"


def _upload(h: Harbor, ref: str, paths: list[Path], profile: str) -> int:
    with h.catalog.session() as s:
        return upload(s, h.store, dataset_ref=ref, paths=paths, profile=profile).job_id


def _kept(h: Harbor, ref: str) -> list[tuple[str, str]]:
    with h.catalog.session() as s:
        version = repo.get_version(s, repo.get_dataset(s, ref))
    return sorted((r.provenance.source_name, r.text) for r in iter_records(h.store, version))


def _job(h: Harbor, job_id: int) -> Job:
    with h.catalog.session() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def _worker(h: Harbor, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    script = tmp_path / "worker_with_slow_stage.py"
    script.write_text(SLOW_STAGE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATAHARBOR_")}
    env |= {
        "DATAHARBOR_HOME": str(h.settings.resolved_home),
        "DATAHARBOR_DATABASE_URL": h.settings.database_url,
        "DATAHARBOR_EXECUTOR": "inline",
        "DATAHARBOR_BATCH_SIZE": "1",
        "DATAHARBOR_PIPELINE_CONFIG": h.settings.pipeline_config,
    }
    return subprocess.Popen(
        [sys.executable, str(script), "worker", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(predicate: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _reference_kept(tmp_path: Path, corpus: Path) -> list[tuple[str, str]]:
    """The kept set of one uninterrupted run, in a platform of its own (dedup is platform-wide)."""
    (tmp_path / "ref-cfg").mkdir()
    cfg = _profiles(tmp_path / "ref-cfg", 0.0)
    home = tmp_path / "ref"  # SQLite even in the PostgreSQL pass: the catalog cannot change what is kept
    settings = Settings(
        home=home, database_url=f"sqlite:///{home / 'catalog.db'}", executor="inline", pipeline_config=str(cfg)
    )
    ref_h = Harbor.open(settings, create=True)
    try:
        ref = _add_dataset(ref_h, "docs")
        _upload(ref_h, ref, [corpus], "slow")
        assert len(run_worker(ref_h, log=lambda _m: None).succeeded) == 1
        return _kept(ref_h, ref)
    finally:
        ref_h.close()


def test_claims_are_exclusive_and_one_job_per_dataset_runs_at_once(harbor: Harbor) -> None:
    """Four claimers race over 24 queued jobs of 3 datasets, each with its own engine (like other machines)."""
    refs = [_add_dataset(harbor, f"d{i}") for i in range(3)]
    with harbor.catalog.session() as s:
        ids = {r: repo.get_dataset(s, r).id for r in refs}
        for n in range(24):
            s.add(Job(dataset_id=ids[refs[n % 3]], state="queued"))
    claimed: list[tuple[str, int]] = []
    overlaps: list[int] = []
    lock = threading.Lock()
    running: dict[int, int] = {}

    def claimer(name: str) -> None:
        catalog = Catalog(harbor.settings.catalog_url)
        try:
            while (job_id := claims.claim_next(catalog, name, lease_s=30)) is not None:
                with catalog.session() as s:
                    job = s.get(Job, job_id)
                    assert job is not None and job.claimed_by == name and job.state == "running"
                    dataset = job.dataset_id
                with lock:
                    claimed.append((name, job_id))
                    running[dataset] = running.get(dataset, 0) + 1
                    if running[dataset] > 1:
                        overlaps.append(dataset)
                time.sleep(0.01)
                with lock:
                    running[dataset] -= 1
                with catalog.session() as s:  # the job's run ends
                    job = s.get(Job, job_id)
                    assert job is not None
                    job.state = "succeeded"
                claims.release(catalog, job_id, name)
        finally:
            catalog.dispose()

    threads = [threading.Thread(target=claimer, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(j for _, j in claimed) == sorted(set(j for _, j in claimed)) and len(claimed) == 24
    assert overlaps == []  # a dataset's versions are built one after another
    with harbor.catalog.session() as s:
        assert {j.state for j in s.scalars(select(Job))} == {"succeeded"}
        assert all(j.lease_until is None for j in s.scalars(select(Job)))


def test_an_expired_lease_is_claimed_again_and_a_lost_claim_cannot_renew(harbor: Harbor) -> None:
    ref = _add_dataset(harbor, "docs")
    with harbor.catalog.session() as s:
        job = Job(dataset_id=repo.get_dataset(s, ref).id, state="queued")
        s.add(job)
        s.flush()
        job_id = job.id
    assert claims.claim_next(harbor.catalog, "dead", lease_s=0.3) == job_id
    assert claims.claim_next(harbor.catalog, "other", lease_s=30) is None  # held while the lease runs
    time.sleep(0.5)
    assert claims.claim_next(harbor.catalog, "other", lease_s=30) == job_id
    assert not claims.renew(harbor.catalog, job_id, "dead")
    assert claims.renew(harbor.catalog, job_id, "other")


@pytest.mark.slow
def test_several_worker_processes_share_the_queue_and_concurrent_uploads_lose_nothing(
    harbor: Harbor, tmp_path: Path
) -> None:
    harbor.settings.pipeline_config = str(_profiles(tmp_path, 0.0))
    refs = [_add_dataset(harbor, f"d{i}") for i in range(3)]
    # two uploads into one dataset at the same moment, from two threads with their own engines
    corpora = [_corpus(tmp_path / f"c{i}", n=4 + i) for i in range(4)]

    def up(i: int) -> None:
        h = Harbor.open(harbor.settings)
        try:
            _upload(h, refs[0], [corpora[i]], "slow")
        finally:
            h.close()

    threads = [threading.Thread(target=up, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _upload(harbor, refs[1], [corpora[2]], "slow")
    _upload(harbor, refs[2], [corpora[3]], "slow")
    _upload(harbor, refs[1], [_corpus(tmp_path / "c4", n=3)], "slow")
    workers = [_worker(harbor, tmp_path) for _ in range(3)]
    outputs = [w.communicate(timeout=240)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    with harbor.catalog.session() as s:
        jobs = s.scalars(select(Job).order_by(Job.id)).all()
        assert [(j.state, j.attempts) for j in jobs] == [("succeeded", 1)] * 5, [(j.id, j.error) for j in jobs]
        assert len({j.claimed_by for j in jobs}) >= 1
        numbers = {(v.dataset_id, v.number) for v in s.scalars(select(DatasetVersion))}
        assert len(numbers) == 5
    # both concurrent contributions are in the dataset's latest version: nothing lost
    kept = [text.split("ocument", 1)[1].strip() for _, text in _kept(harbor, refs[0])]
    uploaded = {p.read_text().split("ocument", 1)[1].strip() for c in corpora[:2] for p in c.glob("doc*.txt")}
    assert set(kept) == uploaded and len(kept) == 4 + 5  # of each document and its near-copy, one is kept


@pytest.mark.slow
def test_a_killed_workers_job_is_finished_by_another_with_the_same_kept_set(harbor: Harbor, tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus")
    expected = _reference_kept(tmp_path, corpus)
    harbor.settings.pipeline_config = str(_profiles(tmp_path, 0.4))
    ref = _add_dataset(harbor, "docs")
    job_id = _upload(harbor, ref, [corpus], "slow")
    doomed = _worker(harbor, tmp_path, "--once", "--lease", "2")
    _wait_for(lambda: _job(harbor, job_id).progress_done >= 3)
    doomed.send_signal(signal.SIGKILL)
    doomed.communicate(timeout=30)
    job = _job(harbor, job_id)
    assert job.state == "running" and job.claimed_by  # left behind, its lease running out
    harbor.settings.pipeline_config = str(_profiles(tmp_path, 0.0))  # same stages, no pause
    assert job.lease_until is not None
    lease_end = job.lease_until if job.lease_until.tzinfo else job.lease_until.replace(tzinfo=UTC)  # SQLite: naive
    time.sleep(max(0.0, (lease_end - datetime.now(UTC)).total_seconds()) + 0.3)
    report = run_worker(harbor, name="rescuer", log=lambda _m: None)
    assert report.succeeded == [job_id]
    job = _job(harbor, job_id)
    assert (job.state, job.attempts, job.claimed_by) == ("succeeded", 2, "rescuer")
    assert _kept(harbor, ref) == expected
    leftovers = [p for p in Path(harbor.store.root).rglob("*") if "staging" in p.name]
    assert leftovers == []


@pytest.mark.slow
def test_sigterm_abandons_the_running_job_cleanly_and_requeues_it(harbor: Harbor, tmp_path: Path) -> None:
    harbor.settings.pipeline_config = str(_profiles(tmp_path, 0.4))
    ref = _add_dataset(harbor, "docs")
    job_id = _upload(harbor, ref, [_corpus(tmp_path / "corpus")], "slow")
    worker = _worker(harbor, tmp_path, "--poll", "0.5")
    _wait_for(lambda: _job(harbor, job_id).progress_done >= 2)
    worker.send_signal(signal.SIGTERM)
    out = worker.communicate(timeout=60)[0]
    assert worker.returncode == 0, out
    assert "1 requeued (stopped by SIGTERM)" in out
    job = _job(harbor, job_id)
    assert (job.state, job.claimed_by, job.lease_until) == ("queued", "", None) and "requeued" in job.error
    with harbor.catalog.session() as s:
        assert s.scalars(select(DatasetVersion)).all() == []  # no half-made version
    assert [p for p in Path(harbor.store.root).rglob("*") if "staging" in p.name] == []
    harbor.settings.pipeline_config = str(_profiles(tmp_path, 0.0))
    assert run_worker(harbor, log=lambda _m: None).succeeded == [job_id]
    assert _job(harbor, job_id).attempts == 2
