"""The Ray executor on a local Ray instance (2 CPUs): same versions as the process pool, private data stays sealed."""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray", reason="the `ray` extra is not installed")

from dataharbor.catalog import repo  # noqa: E402
from dataharbor.config import Settings  # noqa: E402
from dataharbor.errors import ConfigError  # noqa: E402
from dataharbor.harbor import Harbor  # noqa: E402
from dataharbor.ingest.upload import upload  # noqa: E402
from dataharbor.pipeline.executors import Executor, ProcessExecutor, make_executor  # noqa: E402
from dataharbor.pipeline.jobs import run_job  # noqa: E402
from dataharbor.pipeline.ray_executor import RayExecutor  # noqa: E402
from dataharbor.select.browse import iter_records  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "bundle"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One local Ray instance for the module (it takes seconds to start), shut down at the end."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()


def test_map_keeps_submission_order_and_initialises_each_actor_once(local_ray: None, tmp_path: Path) -> None:
    log = tmp_path / "inits.log"

    # defined here so Ray ships them by value (the test module is not importable in Ray's workers)
    def init(factor: int, path: str) -> None:
        os.environ["DH_RAY_TEST_FACTOR"] = str(factor)
        with open(path, "a") as fh:
            fh.write(f"{os.getpid()}\n")

    def work(x: int) -> tuple[int, int]:
        return x * int(os.environ["DH_RAY_TEST_FACTOR"]), os.getpid()

    executor = RayExecutor(2)
    assert executor.parallelism == 2
    out = list(executor.map(work, range(30), initializer=init, initargs=(3, str(log))))
    assert [v for v, _ in out] == [3 * i for i in range(30)]
    workers = {pid for _, pid in out}
    assert os.getpid() not in workers and len(workers) <= 2
    inits = log.read_text().split()
    assert len(inits) == 2 and set(inits) >= {str(p) for p in workers}  # once per actor, not per item


def test_large_initargs_are_refused_not_sent_through_the_object_store(local_ray: None) -> None:
    with pytest.raises(ConfigError, match="object store"):
        list(RayExecutor(1).map(abs, [1], initializer=None, initargs=(b"x" * 200_000,)))


def test_settings_choose_ray(local_ray: None) -> None:
    assert Settings(executor="ray").executor == "ray"
    assert isinstance(make_executor("ray", 2), RayExecutor)
    with pytest.raises(ConfigError, match="inline, process, ray"):
        make_executor("spark")


# --- whole jobs: the Ray executor (and its dedup plan) against the process pool --------------------------------


def _platform(home: Path, *, tier: str = "open", profile: str = "minimal") -> Harbor:
    h = Harbor.open(Settings(home=home, profile=profile, split_bytes=4096), create=True)
    with h.catalog.session() as s:
        repo.add_partner(s, name="port")
        repo.create_dataset(
            s, partner="port", name="docs", tier=tier, license="CC-BY-4.0", languages=["en", "fr"], pii_policy="redact"
        )
    return h


Outcome = tuple[list[tuple[str, str]], list[tuple[str, str | None, str | None]], list[tuple[str, Any]]]


def _run(h: Harbor, paths: Sequence[Path], executor: Executor, profile: str = "minimal", **kw: Any) -> Outcome:
    with h.catalog.session() as s:
        job_id = upload(s, h.store, dataset_ref="port/docs", paths=list(paths), profile=profile).job_id
    outcome = run_job(h.catalog, h.settings, job_id, executor=executor, **kw)
    with h.catalog.session() as s:
        v = repo.get_version(s, repo.get_dataset(s, "port/docs"), outcome.version)
    new = {sh["path"] for sh in v.manifest["shards"] if sh["version"] == outcome.version}
    kept = [(r.id, r.text) for r in iter_records(h.store, v)]
    dropped = list(iter_records(h.store, v, dropped=True))
    decisions = sorted((r.id, r.dropped_by, r.drop_reason) for r in dropped)
    dedup = sorted((r.id, r.annotations.get("dedup")) for r in dropped if r.dropped_by == "dedup")
    assert new  # the version wrote shards of its own
    return sorted(kept), decisions, dedup


def _compare(tmp_path: Path, jobs: Sequence[Sequence[Path]], profile: str = "minimal") -> list[Outcome]:
    """Each job in turn, in two platforms: the process pool's and Ray's (later jobs meet earlier ones through
    the persistent platform index). The outcomes must be equal; returns the pool's."""
    results: dict[str, list[Outcome]] = {}
    for name, make in (("process", lambda: ProcessExecutor(2)), ("ray", lambda: RayExecutor(2))):
        h = _platform(tmp_path / name, profile=profile)
        try:
            results[name] = [_run(h, paths, make(), profile) for paths in jobs]
        finally:
            h.close()
    for pool, on_ray in zip(results["process"], results["ray"], strict=True):
        assert on_ray[0] == pool[0]  # kept: ids and texts
        assert on_ray[1] == pool[1]  # decisions: ids, stage, reason
        assert on_ray[2] == pool[2]  # dedup annotations (no similarity ties in these corpora)
    return results["process"]


def test_samples_give_the_same_version_on_ray_as_on_the_process_pool(local_ray: None, tmp_path: Path) -> None:
    [(kept, decisions, _)] = _compare(tmp_path, [[SAMPLES]])
    assert len(kept) > 5
    assert {reason for _, stage, reason in decisions if stage == "dedup"} == {"exact_duplicate", "near_duplicate"}


def _planted(folder: Path, seed: int, originals: int, copies_of: Sequence[str] = ()) -> tuple[Path, list[str]]:
    """JSONL files of distinct documents, with exact copies and near copies (3% of words changed) planted in later
    files, and near copies of `copies_of` (documents of an earlier job)."""
    rng = random.Random(seed)
    words = [f"{a}{b}" for a in ("har", "bor", "quay", "tide", "sail", "ank", "port", "mast") for b in "aeiouylrst"]

    def doc() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(80, 200)))

    def near(text: str) -> str:
        tokens = text.split()
        for i in rng.sample(range(len(tokens)), max(1, len(tokens) * 3 // 100)):
            tokens[i] = rng.choice(words)
        return " ".join(tokens)

    docs = [doc() for _ in range(originals)]
    folder.mkdir(parents=True)
    for part in range(3):
        lines = list(docs[part::3])
        if part:
            lines += [near(t) for t in docs[: originals // 3 : 2]] + docs[1:6]
        lines += [near(t) for t in copies_of[part::3]]
        rng.shuffle(lines)
        (folder / f"part-{part}.jsonl").write_text("\n".join(json.dumps({"text": t}) for t in lines) + "\n")
    return folder, docs


def test_planted_near_duplicates_within_and_across_jobs(local_ray: None, tmp_path: Path) -> None:
    first, docs = _planted(tmp_path / "src-a", seed=1, originals=120)
    second, _ = _planted(tmp_path / "src-b", seed=2, originals=60, copies_of=docs[:30])
    [(kept_a, dec_a, _), (kept_b, _, dedup_b)] = _compare(tmp_path, [[first], [second]])
    reasons_a = [reason for _, _, reason in dec_a]
    assert reasons_a.count("near_duplicate") >= 30 and reasons_a.count("exact_duplicate") >= 5
    # the second job's near copies of the first job's documents are caught through the platform index
    assert sum(a["scope"] == "platform" for _, a in dedup_b) >= 25
    assert len(kept_a) >= 110 and len(kept_b) >= 55


# --- private data on Ray ---------------------------------------------------------------------------------------


def _holding(root: Path, marker: bytes) -> list[str]:
    if not root.exists():
        return []
    return sorted(str(p) for p in root.rglob("*") if p.is_file() and marker in p.read_bytes())


def test_private_job_on_ray_writes_no_plaintext(local_ray: None, tmp_path: Path) -> None:
    marker = f"ZQX{uuid.uuid4().hex[:12]}MARK"
    src = tmp_path / "src"
    src.mkdir()
    lines = [
        json.dumps({"text": f"Log {i}: the pilot boat {marker} met vessel {i} at the outer buoy."}) for i in range(80)
    ]
    (src / "log.jsonl").write_text("\n".join(lines) + "\n")  # large enough to be split across both actors
    (src / "note.txt").write_text(f"The harbour master wrote that {marker} was the code word.\n")
    home = tmp_path / "private"
    h = _platform(home, tier="private")
    in_flight: list[str] = []
    session = Path(ray._private.worker.global_worker.node.get_session_dir_path())

    def scan(done: int, total: int, name: str) -> None:
        in_flight.extend(_holding(home / "scratch", marker.encode()))
        in_flight.extend(_holding(home / "store", marker.encode()))

    try:
        kept, decisions, _ = _run(h, [src], RayExecutor(2), progress=scan)
        assert in_flight == []
        assert _holding(home, marker.encode()) == []  # store, keys, catalog: nowhere
        assert _holding(session, marker.encode()) == []  # nor Ray's session folder (logs, spilled objects)
        assert len(kept) + len(decisions) == 81  # and it all reads back, with the keys
        assert all(marker in text for _, text in kept)
    finally:
        h.close()
