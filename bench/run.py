"""Pipeline throughput benchmark: real documents through the `minimal` and `default` profiles.

Builds a JSONL corpus from real public texts in the shared evaluation data (US inaugural and State
of the Union addresses, Genesis in six languages, the UDHR in en/fr/de/es/it/pt/nl), optionally
multiplied (`--scale`, each copy made distinct so dedup keeps it), uploads it to a fresh home and
runs the job with the process-pool executor. Reports MB/s (wall and per CPU-second), docs/s and
peak RSS, and writes `bench/results/pipeline_<date>.json`.

    .venv/bin/python bench/run.py [--scale 1] [--workers 2] [--profiles minimal default]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dataharbor import __version__
from dataharbor.evaldata import evaldata_dir

HERE = Path(__file__).resolve().parent
WORK = HERE / "work" / "pipeline"  # its own folder: bench/compare.py keeps its corpus and venv in bench/work
UDHR = ("eng", "fra", "deu_1996", "spa", "ita", "por_PT", "nld")

_JOB = """
import json, resource, sys, time
from pathlib import Path
from dataharbor.catalog import repo
from dataharbor.config import Settings
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.jobs import run_job
home, corpus, profile, workers = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
h = Harbor.open(Settings(home=home, executor="process", workers=workers), create=True)
with h.catalog.session() as s:
    repo.add_partner(s, name="bench")
    repo.create_dataset(s, partner="bench", name="corpus", tier="open", license="CC0-1.0",
                        languages=["en", "fr", "de", "es", "it", "pt", "nl", "fi", "sv"])
with h.catalog.session() as s:
    job = upload(s, h.store, dataset_ref="bench/corpus", paths=[corpus], profile=profile).job_id
t0 = time.perf_counter()
out = run_job(h.catalog, h.settings, job)
wall = time.perf_counter() - t0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": wall, "cpu_s": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                  "peak_rss_driver_mb": me.ru_maxrss / 1024, "peak_rss_worker_mb": kids.ru_maxrss / 1024,
                  "kept": out.stats["kept"], "dropped": out.stats["dropped"],
                  "drop_reasons": out.stats["drop_reasons"]}))
"""


def build_corpus(path: Path, scale: int) -> tuple[int, int]:
    ev = evaldata_dir() / "text"
    texts: list[tuple[str, str]] = []
    for folder in ("inaugural", "state_union"):
        for f in sorted((ev / "nltk_corpora" / folder).glob("*.txt")):
            texts.append((f.stem, f.read_text(encoding="utf-8", errors="replace")))
    for f in sorted((ev / "nltk_corpora" / "genesis").glob("*.txt")):
        body = f.read_text(encoding="latin-1")
        chapters = [c for c in body.split("\n\n") if len(c) > 400]
        texts += [(f"{f.stem}-{i}", c) for i, c in enumerate(chapters)]
    for code in UDHR:
        f = ev / "udhr" / "txt" / f"{code}.txt"
        if f.exists():
            texts.append((f"udhr-{code}", f.read_text(encoding="utf-8")))
    docs = n_bytes = 0
    with open(path, "w", encoding="utf-8") as out:
        for copy in range(scale):
            for name, text in texts:
                # a distinct marker sentence per copy keeps copies apart for exact dedup; near-dup still
                # sees them as copies above scale 1, which is the realistic worst case for the index
                body = text if copy == 0 else f"Copy {copy} of {name}.\n{text}"
                line = json.dumps({"id": f"{name}#{copy}", "text": body}, ensure_ascii=False)
                out.write(line + "\n")
                docs += 1
                n_bytes += len(body.encode())
    return docs, n_bytes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=1, help="copies of the corpus (default 1)")
    ap.add_argument("--workers", type=int, default=2, help="process-pool workers (default 2)")
    ap.add_argument("--profiles", nargs="+", default=["minimal", "default"])
    args = ap.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    corpus = WORK / "corpus.jsonl"
    docs, n_bytes = build_corpus(corpus, args.scale)
    mb = n_bytes / 1e6
    console = Console(width=140)
    console.print(f"corpus: {docs} documents, {mb:.1f} MB of text, {args.workers} workers")
    runs = []
    for profile in args.profiles:
        r = subprocess.run(
            [sys.executable, "-c", _JOB, str(WORK / f"home-{profile}"), str(corpus), profile, str(args.workers)],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(r.stdout.strip().splitlines()[-1])
        res |= {
            "profile": profile,
            "mb_per_s": mb / res["wall_s"],
            "mb_per_cpu_s": mb / res["cpu_s"],
            "docs_per_s": docs / res["wall_s"],
        }
        runs.append(res)
    t = Table(title="Pipeline throughput", title_justify="left")
    for col in (
        "profile",
        "wall s",
        "MB/s",
        "MB per CPU-s",
        "docs/s",
        "peak RSS driver",
        "peak RSS worker",
        "kept",
        "dropped",
    ):
        t.add_column(col)
    for r in runs:
        t.add_row(
            r["profile"],
            f"{r['wall_s']:.1f}",
            f"{r['mb_per_s']:.2f}",
            f"{r['mb_per_cpu_s']:.2f}",
            f"{r['docs_per_s']:.1f}",
            f"{r['peak_rss_driver_mb']:.0f} MB",
            f"{r['peak_rss_worker_mb']:.0f} MB",
            str(r["kept"]),
            str(r["dropped"]),
        )
    console.print(t)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()},
        "dataharbor": __version__,
        "corpus": {"documents": docs, "mb": round(mb, 2), "scale": args.scale},
        "workers": args.workers,
        "runs": runs,
    }
    out = HERE / "results" / f"pipeline_{datetime.now(UTC):%Y-%m-%d}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    console.print(f"written {out.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
