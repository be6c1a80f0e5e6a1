"""Where a worker's memory goes: RSS after each map stage's setup and its growth per stage as pages flow through.

    .venv/bin/python bench/stage_memory.py --profile default --languages en fr de es [--docs N] [--every 8]
        [--tracemalloc] [--trim] [--stride K]

Runs the profile's map stages the way a worker does (batch after batch, every stage on each batch; `bench/stage_cpu.py`
runs them stage after stage instead), in one process over `bench/work/corpus-1x`. Prints RSS (`VmRSS`, with its
anonymous part) after each stage's setup, then every `--every` batches the RSS and how much of the growth happened
inside each stage (the RSS difference around its `process`, summed); at the end, the largest transient rise
within one call of each stage (`VmHWM`, reset before each call). `--trim` calls glibc's `malloc_trim(0)` at
each report (how much of the growth is free memory the allocator kept); `--tracemalloc` reports Python-object
memory by file (slow: use `--docs`). `--stride K` keeps every K-th page (a worker of a K-part split sees that);
`--only language` runs only the named stages; `--params '{"language": {"lingua_max_models": null}}'` overrides.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def rss_mb() -> tuple[float, float]:
    """(VmRSS, RssAnon) of this process in MB."""
    values: dict[str, float] = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["RssAnon"]


def peak_mb() -> float:
    """VmHWM: the peak RSS since the last `reset_peak()`."""
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM"))


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)


def trim() -> None:
    ctypes.CDLL("libc.so.6").malloc_trim(0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="default")
    ap.add_argument("--docs", type=int, default=0, help="first N pages only (0: all)")
    ap.add_argument("--stride", type=int, default=1, help="keep every K-th page")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--every", type=int, default=8, help="report every N batches")
    ap.add_argument("--languages", nargs="*", default=[])
    ap.add_argument("--trim", action="store_true", help="malloc_trim(0) before each report")
    ap.add_argument("--tracemalloc", action="store_true", help="Python allocations by file at the end")
    ap.add_argument("--params", default="", help="JSON {stage: {param: value}} overriding the profile")
    ap.add_argument("--only", nargs="*", default=[], help="run only these stages of the profile")
    args = ap.parse_args()

    from compare import bench_profile, corpus_texts  # type: ignore[import-not-found]

    from dataharbor.domain.record import Provenance, Record
    from dataharbor.pipeline.stage import StageContext, build_stage

    texts = list(corpus_texts(HERE / "work" / "corpus-1x").values())
    texts = texts[:: args.stride]
    if args.docs:
        texts = texts[: args.docs]
    profile = bench_profile(args.profile)
    overrides = json.loads(args.params) if args.params else {}
    context = StageContext(declared_languages=tuple(args.languages))
    base, _ = rss_mb()
    print(f"{len(texts)} pages, profile {args.profile}; RSS at start {base:.0f} MB")
    stages = []
    for spec in profile.stages:
        stage = build_stage(spec.name, {**spec.params, **overrides.get(spec.name, {})}, context)
        if stage.scope != "map" or (args.only and spec.name not in args.only):
            continue
        t0 = time.process_time()
        stage.ensure_setup()
        rss, anon = rss_mb()
        print(f"setup {spec.name:10s} RSS {rss:7.0f} MB (anon {anon:6.0f})  {time.process_time() - t0:6.2f} CPU-s")
        stages.append(stage)
    if args.tracemalloc:
        tracemalloc.start(1)
        first = tracemalloc.take_snapshot()
    start, _ = rss_mb()
    grew: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    spike: dict[str, float] = defaultdict(float)  # the largest rise above the RSS before the stage, within it
    print(f"{'pages':>6s} {'RSS':>6s} {'anon':>6s} " + " ".join(f"{s.name[:8]:>8s}" for s in stages))
    done = 0
    for n, i in enumerate(range(0, len(texts), args.batch), start=1):
        batch = [
            Record(str(i + k), t, Provenance("0" * 64, "corpus.jsonl", "jsonl", "1"))
            for k, t in enumerate(texts[i : i + args.batch])
        ]
        for stage in stages:
            live = [r for r in batch if r.kept]
            if not live:
                continue
            reset_peak()
            before, t0 = rss_mb()[0], time.process_time()
            stage.process(live)
            cpu[stage.name] += time.process_time() - t0
            grew[stage.name] += rss_mb()[0] - before
            spike[stage.name] = max(spike[stage.name], peak_mb() - before)
        done += len(batch)
        if n % args.every == 0 or i + args.batch >= len(texts):
            if args.trim:
                trim()
            rss, anon = rss_mb()
            print(f"{done:6d} {rss:6.0f} {anon:6.0f} " + " ".join(f"{grew[s.name]:8.0f}" for s in stages), flush=True)
    print("largest rise within one stage call (MB): " + ", ".join(f"{k} {v:.0f}" for k, v in spike.items()))
    rss, _ = rss_mb()
    per_stage = ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
    print(f"growth over the pages: {rss - start:.0f} MB; CPU-s per stage: {per_stage}")
    if args.tracemalloc:
        top = tracemalloc.take_snapshot().compare_to(first, "filename")
        print("Python allocations grown, by file (MB):")
        for stat in top[:15]:
            print(f"  {stat.size_diff / 1e6:8.1f}  {stat.traceback[0].filename}")


if __name__ == "__main__":
    main()
