"""Peak RSS of a real job's process tree, split into the driver and its workers, with CPU-seconds.

    .venv/bin/python bench/job_memory.py [--profile default] [--workers 2] [--languages en fr de es]
        [--env NAME=VALUE ...]

Runs `bench/compare.py harbor-job` (a fresh home, the corpus `bench/work/corpus-1x` uploaded as one job, the job
run with the process executor, then the benchmark's result extraction) and samples every process of its tree every
0.2 s from /proc. Prints the peak of the tree's summed RSS with the driver's and each worker's share at that
moment, each process's own peak, the driver's RSS when the job's map phase ends (the last worker exits), the
CPU-seconds of the whole tree (user + system) and a digest of the kept ids and drop decisions. `--env` sets
variables for the job's environment.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from compare import _children, _stat  # the process tree and its /proc reader, as the comparison samples them

HERE = Path(__file__).resolve().parent


def _rss_mb(pid: int) -> float | None:
    stat = _stat(pid)
    return None if stat is None else stat[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--languages", nargs="*", default=["en", "fr", "de", "es"])
    ap.add_argument("--env", nargs="*", default=[], help="NAME=VALUE for the job's environment")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="job-memory-", dir=HERE / "work"))
    out = work / "result.json"
    cmd = [sys.executable, str(HERE / "compare.py"), "harbor-job", str(work / "home"), str(HERE / "work" / "corpus-1x")]
    cmd += [args.profile, str(out), "--workers", str(args.workers), "--languages", *args.languages]
    env = dict(os.environ, **dict(kv.split("=", 1) for kv in args.env))
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    peak: dict[str, object] = {"tree": 0.0}
    own: dict[int, float] = {}
    workers_seen: set[int] = set()
    driver_after_map = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            # the driver's direct children: the pool's workers (and spawn's resource tracker, a few MB)
            kids = {pid: _rss_mb(pid) for pid in _children(proc.pid)}
            mine = _rss_mb(proc.pid) or 0.0
            live = {pid: rss for pid, rss in kids.items() if rss is not None}
            workers_seen.update(pid for pid, rss in live.items() if rss > 100)
            if workers_seen and not any(pid in live for pid in workers_seen) and not driver_after_map[0]:
                driver_after_map[0] = mine
            for pid, rss in [(proc.pid, mine), *live.items()]:
                own[pid] = max(own.get(pid, 0.0), rss)
            total = mine + sum(live.values())
            if total > float(peak["tree"]):  # type: ignore[arg-type]
                peak.update(tree=total, driver=mine, children=sorted(round(v) for v in live.values()))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    done.set()
    sampler.join()
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage.ru_utime - usage0.ru_utime) + (usage.ru_stime - usage0.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"job failed ({proc.returncode})")
    res = json.loads(out.read_text())
    report = {
        "peak_tree_mb": round(float(peak["tree"])),  # type: ignore[arg-type]
        "at_peak_driver_mb": round(float(peak.get("driver", 0.0))),  # type: ignore[arg-type]
        "at_peak_children_mb": peak.get("children"),
        "peak_driver_mb": round(own.get(proc.pid, 0.0)),
        "peak_per_worker_mb": sorted(round(own[p]) for p in workers_seen),
        "driver_when_map_ends_mb": round(driver_after_map[0]),
        "tree_cpu_s": round(cpu, 1),
        "job_cpu_s": round(res["job_cpu_s"], 1),
        "wall_s": round(wall, 1),
        "kept": len(res["kept"]),
        "dropped": len(res["dropped"]),
        # the same digest = the same records kept and the same drop decisions
        "outputs_sha256": hashlib.sha256(
            json.dumps([sorted(res["kept"]), sorted(res["dropped"].items())]).encode()
        ).hexdigest()[:16],
    }
    print(json.dumps(report))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
