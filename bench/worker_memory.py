"""A real pool worker's memory, task by task and stage by stage, in this one process.

    .venv/bin/python bench/worker_memory.py [--workers 2] [--worker 0] [--languages en fr de es]

Uploads `bench/work/corpus-1x` to a fresh home as one `default` job, plans its file tasks as a job with `--workers`
workers would (large files split in parts), and runs the tasks that worker `--worker` would get (every
`--workers`-th; the pool hands them out in order) through the worker's own `init_worker` / `process_file`: the JSONL
extraction, the map stages and the spill writing. Prints RSS after setup and after each task, and how much of the
growth happened inside each stage (the RSS difference around its `process`, summed) and in the rest of the task
(extraction, spill writing).
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--worker", type=int, default=0)
    ap.add_argument("--languages", nargs="*", default=["en", "fr", "de", "es"])
    ap.add_argument("--profile", default="default")
    args = ap.parse_args()

    import sys

    sys.path.insert(0, str(HERE))
    from compare import bench_profile, queue_job  # the benchmark's own upload and profiles

    from dataharbor.pipeline import stage as stage_module
    from dataharbor.pipeline import worker
    from dataharbor.pipeline.jobs import _start, extract_options
    from dataharbor.pipeline.partition import plan_tasks
    from dataharbor.pipeline.stage import StageContext

    home = HERE / "work" / "worker-memory-home"
    h, job_id = queue_job(home, HERE / "work" / "corpus-1x", args.profile, languages=args.languages)
    try:
        prep = _start(h.catalog, job_id)  # claims the job as run_job would: its files and options
        scratch = home / "scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        options = extract_options(h.settings, prep)
        template = worker.FileTask(
            0, prep.contribution_id, prep.dataset_id, "", "", 0, str(scratch), options, h.settings.batch_size
        )
        tasks = plan_tasks(prep.files, template, h.store, parallelism=args.workers, split_bytes=h.settings.split_bytes)
        mine = tasks[args.worker :: args.workers]
        specs, _ = bench_profile(args.profile).split()
        start = rss_mb()
        worker.init_worker(h.settings.resolved_store_url, specs, StageContext(declared_languages=tuple(args.languages)))
        assert worker._STATE is not None
        for st in worker._STATE.stages:
            st.ensure_setup()
        print(f"{len(tasks)} tasks, this worker {len(mine)}; RSS {start:.0f} MB before setup, {rss_mb():.0f} after")

        grew: dict[str, float] = defaultdict(float)
        original = stage_module.run_stages

        def measured(stages: Any, batch: Any, counters: Any) -> None:
            for st in stages:
                before = rss_mb()
                original([st], batch, counters)
                grew[st.name] += rss_mb() - before

        worker.run_stages = measured  # type: ignore[assignment]
        names = [st.name for st in worker._STATE.stages]
        print(f"{'task':>4s} {'records':>7s} {'RSS':>6s} {'other':>6s} " + " ".join(f"{n[:8]:>8s}" for n in names))
        total = 0
        for n, task in enumerate(mine):
            before = rss_mb()
            staged = sum(grew.values())
            t0 = time.process_time()
            result = worker.process_file(task)
            total += result.records
            other = (rss_mb() - before) - (sum(grew.values()) - staged)
            grew["other"] += other
            print(
                f"{n:4d} {total:7d} {rss_mb():6.0f} {grew['other']:6.0f} "
                + " ".join(f"{grew[x]:8.0f}" for x in names)
                + f"  ({result.status}, {time.process_time() - t0:.0f} CPU-s)",
                flush=True,
            )
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
