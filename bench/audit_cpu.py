"""CPU-seconds of the post-job audit on the benchmark corpus: in all, and per phase (reading the shards, each
section's observe and finish), in one process, without a profiler.

The first run builds the version to audit: the `equivalent` profile (bench/profiles.yaml) over
`bench/work/corpus-1x` (made by bench/corpus.py or bench/compare.py), inline executor, in its own home folder
(default `bench/work/home-audit`; `--rebuild` starts it again). Then it audits that version:

  - `cold`: the first audit in this process — what a job pays (the tokenizer's BPE ranks and the lexicons load);
  - `warm`: the best of `--repeat` more audits (`audit.runner.run_sections`, nothing else timed);
  - per phase: one more audit with `time.process_time()` around every read and every observe/finish call
    (that timing adds ~0.1 CPU-s of its own, spread over the rows).

`--summary FILE` writes the report (dataset and version snapshot, section figures, findings, verdict; no timing)
as JSON, to check that a change of the audit's code leaves every figure as it was.

    .venv/bin/python bench/audit_cpu.py [--repeat 3] [--summary /tmp/audit-summary.json] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"


def build(home: Path, corpus: Path) -> None:
    """One `equivalent` job over `corpus` into a fresh `home`: the version the audit reads."""
    from compare import queue_job

    from dataharbor.pipeline.jobs import run_job

    h, job = queue_job(home, corpus, "equivalent", executor="inline", workers=1)
    t = time.process_time()
    run_job(h.catalog, h.settings, job)
    print(f"built {home} from {corpus}: job CPU {time.process_time() - t:.2f} s (its audit included)")


def phases(store: Any, version: Any, ctx: Any) -> dict[str, float]:
    """One audit with the CPU of every read and every section call added up, by phase."""
    from dataharbor.audit import runner

    spent: dict[str, float] = {}
    sections = [cls(ctx) for cls in runner.SECTIONS]
    for dropped in (False, True):
        records = runner.audit_records(store, version, dropped=dropped)
        while True:
            t = time.process_time()
            record = next(records, None)
            spent["read shards"] = spent.get("read shards", 0.0) + time.process_time() - t
            if record is None:
                break
            for section in sections:
                t = time.process_time()
                section.observe(record, not dropped)
                spent[section.name] = spent.get(section.name, 0.0) + time.process_time() - t
    for section in sections:
        t = time.process_time()
        section.finish()
        spent[f"{section.name} (finish)"] = time.process_time() - t
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=WORK / "home-audit", help="home folder of the version to audit")
    ap.add_argument("--corpus", type=Path, default=WORK / "corpus-1x", help="the corpus the version is built from")
    ap.add_argument("--rebuild", action="store_true", help="build the version again even if the home has one")
    ap.add_argument("--repeat", type=int, default=3, help="warm audits; the best is shown")
    ap.add_argument("--summary", type=Path, help="write the report's figures and findings (JSON) here")
    args = ap.parse_args()
    os.environ.setdefault("DATAHARBOR_PIPELINE_CONFIG", str(HERE / "profiles.yaml"))

    if args.rebuild or not (args.home / "catalog.db").exists():
        if not args.corpus.is_dir():
            sys.exit(f"{args.corpus} is missing: make it with `.venv/bin/python bench/corpus.py --out {args.corpus}`")
        build(args.home, args.corpus)

    from dataharbor.audit import runner
    from dataharbor.audit.rules import verdict
    from dataharbor.audit.service import rules_for
    from dataharbor.catalog import repo
    from dataharbor.config import Settings
    from dataharbor.harbor import Harbor

    h = Harbor.open(Settings(home=args.home, executor="inline", workers=1))
    with h.catalog.session() as s:
        ds = repo.get_dataset(s, "bench/corpus")
        version = repo.get_version(s, ds, 1)
        rules = rules_for(h.settings)
        runs: list[float] = []
        for _ in range(1 + max(1, args.repeat)):
            t = time.process_time()
            ctx = runner.audit_context(s, ds, version, rules)
            figures, findings = runner.run_sections(h.store, version, ctx)
            runs.append(time.process_time() - t)
        spent = phases(h.store, version, runner.audit_context(s, ds, version, rules))
        totals = (version.stats or {}).get("version", {})
        print(
            f"{ds.ref}@v{version.number}: {totals.get('records', '?')} records kept, {totals.get('decisions', '?')}"
            f" dropped, {totals.get('bytes', 0) / 1e6:.1f} MB of shards"
        )
        print(f"audit CPU-s  cold {runs[0]:.2f}   warm (best of {len(runs) - 1}) {min(runs[1:]):.2f}")
        print("per phase (one instrumented warm audit):")
        for name, cpu in sorted(spent.items(), key=lambda kv: -kv[1]):
            if cpu >= 0.0005:
                print(f"  {name:24s} {cpu:6.3f}")
        print(f"  {'sum':24s} {sum(spent.values()):6.3f}")
        if args.summary:
            report = {
                "schema": runner.SCHEMA,
                **runner.snapshot(ds, version),
                "sections": figures,
                "findings": [f.to_dict() for f in findings],
                "verdict": verdict(findings),
            }
            args.summary.write_text(json.dumps(report, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
            print(f"report figures and findings -> {args.summary}")


if __name__ == "__main__":
    main()
