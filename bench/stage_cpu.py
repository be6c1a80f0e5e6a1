"""CPU-seconds per stage of a profile over the benchmark corpus, one process, no profiler overhead.

    .venv/bin/python bench/stage_cpu.py [--profile equivalent] [--docs N] [--batch 256] [--safety-model builtin+embed]

Runs each map-scope stage of the profile (from `bench/profiles.yaml`, else the built-in ones) over the
records the previous stages kept, as the pipeline would, and prints setup and run CPU-seconds and MB/s
per stage. Global stages (dedup), the shard writer and the post-job audit are not included: their cost is
the difference between this and `bench/compare.py`'s job CPU. Needs `bench/work/corpus-1x`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="equivalent")
    ap.add_argument("--docs", type=int, default=0, help="first N pages only (0: all)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--languages", nargs="*", default=[], help="declared languages (the default profile: en fr de es)")
    ap.add_argument("--safety-model", default=None, help="the safety stage's `model` (e.g. builtin+embed)")
    args = ap.parse_args()

    from compare import bench_profile, corpus_texts  # type: ignore[import-not-found]

    from dataharbor.domain.record import Provenance, Record
    from dataharbor.pipeline.stage import StageContext, build_stage

    texts = list(corpus_texts(HERE / "work" / "corpus-1x").values())
    if args.docs:
        texts = texts[: args.docs]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    records = [Record(str(i), t, Provenance("0" * 64, "corpus.jsonl", "jsonl", "1")) for i, t in enumerate(texts)]
    profile = bench_profile(args.profile)
    context = StageContext(declared_languages=tuple(args.languages))
    print(f"{len(texts)} pages, {mb:.1f} MB, profile {args.profile}")
    print(f"{'stage':12s} {'setup s':>8s} {'run s':>8s} {'MB/s':>7s} {'records':>8s}")
    total = 0.0
    for spec in profile.stages:
        params = dict(spec.params)
        if spec.name == "safety" and args.safety_model:
            params["model"] = args.safety_model
        name, stage = spec.name, build_stage(spec.name, params, context)
        if stage.scope != "map":
            print(f"{name:12s} (global: runs in the job's driver, not measured here)")
            continue
        t0 = time.process_time()
        stage.ensure_setup()
        setup = time.process_time() - t0
        live = [r for r in records if r.kept]
        t0 = time.process_time()
        for i in range(0, len(live), args.batch):
            stage.process(live[i : i + args.batch])
        run = time.process_time() - t0
        total += setup + run
        print(f"{name:12s} {setup:8.2f} {run:8.2f} {mb / run:7.2f} {len(live):8d}", flush=True)
    print(f"{'all map':12s} {total:17.2f} {mb / total:7.2f}")


if __name__ == "__main__":
    main()
