"""DataHarbor against datatrove on the same corpus, the same number of workers, in one invocation.

Runs (each in its own process tree; CPU = user + system seconds of the whole tree, peak RSS = the
largest sum of resident memory over the tree, sampled every 0.2 s):
  (a) io_floor: read the JSONL, write Parquet (pyarrow), one process per file — the physical limit;
  (b) datatrove: `bench/datatrove_run.py` in datatrove's own venv (filters + PII formatter + 4-stage MinHash);
  (c) equivalent: DataHarbor's `equivalent` profile (`bench/profiles.yaml`): normalize, quality, regex-only
      PII (`ner: false`), minhash, dedup — in a fresh home, process executor;
  (d) default: DataHarbor's full `default` profile (on a random slice with `--default-docs N`).
Then accuracy on the planted truth (dedup recall/precision, PII recall) and a results JSON
`bench/results/compare-<date>.json`. `--scales 1 4` adds a scale curve of run (c).

    .venv/bin/python bench/compare.py [--scales 1 4] [--workers 2] [--default-docs 0] [--skip datatrove ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
DT_VENV = WORK / "datatrove-venv"
DT_VERSION = "0.10.1"
# datatrove[processing] lacks orjson (its JSONL reader needs it) and spaCy (its word tokenizers for en/fr/de/es)
DT_PACKAGES = (f"datatrove[processing]=={DT_VERSION}", "orjson", "spacy")


@dataclass
class Measured:
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    peak_rss_one_process_mb: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    stdout: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(p) for p in fh.read().split()]
    except OSError:
        return []


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += _children(p)
    return out


def _stat(pid: int) -> tuple[float, float] | None:
    """(cpu seconds, rss MB) of one process from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def measure(cmd: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> Measured:
    """Runs `cmd`; wall, CPU of the whole process tree, and the peak of the tree's summed RSS."""
    load_before = os.getloadavg()
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    peak, seen_cpu, done, one = 0.0, {}, threading.Event(), [0.0]

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            total = 0.0
            for pid in _tree(proc.pid):
                st = _stat(pid)
                if st:
                    seen_cpu[pid] = st[0]
                    total += st[1]
                    one[0] = max(one[0], st[1])
            peak = max(peak, total)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed ({proc.returncode}):\n{err[-4000:]}")
    rusage_cpu = (usage.ru_utime - usage0.ru_utime) + (usage.ru_stime - usage0.ru_stime)
    # processes re-parented away (e.g. a fork server nobody waits for) are missing from rusage: the
    # sampled per-process CPU (last reading) is a lower bound for them
    cpu = max(rusage_cpu, sum(seen_cpu.values()))
    return Measured(wall, cpu, peak, one[0], load_before, os.getloadavg(), out)


# ---------------------------------------------------------------- (a) I/O floor


def _io_one(args: tuple[str, str]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    src, dst = args
    ids, texts = [], []
    with open(src, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            ids.append(row["id"])
            texts.append(row["text"])
    pq.write_table(pa.table({"id": ids, "text": pa.array(texts, pa.large_string())}), dst)
    return len(ids)


def io_floor(corpus: Path, out: Path, workers: int) -> None:
    from multiprocessing import Pool

    out.mkdir(parents=True, exist_ok=True)
    jobs = [(str(f), str(out / f"{f.stem}.parquet")) for f in sorted(corpus.glob("part-*.jsonl"))]
    with Pool(workers) as pool:
        print(json.dumps({"docs": sum(pool.map(_io_one, jobs))}))


# ---------------------------------------------------------------- (c), (d) DataHarbor


def queue_job(
    home: Path,
    corpus: Path,
    profile: str,
    *,
    executor: str = "process",
    workers: int = 2,
    languages: Sequence[str] = (),
) -> tuple[Any, int]:
    """A fresh home with the corpus uploaded to `bench/corpus` as one queued job: (the Harbor, the job id)."""
    from dataharbor.catalog import repo
    from dataharbor.config import Settings
    from dataharbor.harbor import Harbor
    from dataharbor.ingest.upload import upload

    shutil.rmtree(home, ignore_errors=True)
    h = Harbor.open(Settings(home=home, executor=executor, workers=workers), create=True)
    with h.catalog.session() as s:
        repo.add_partner(s, name="bench")
        repo.create_dataset(
            s, partner="bench", name="corpus", tier="open", license="CC0-1.0", languages=list(languages)
        )
    with h.catalog.session() as s:
        files = sorted(corpus.glob("part-*.jsonl"))
        return h, upload(s, h.store, dataset_ref="bench/corpus", paths=files, profile=profile).job_id


def harbor_job(home: Path, corpus: Path, profile: str, workers: int, languages: list[str], out: Path) -> None:
    """Uploads the corpus to a fresh home, runs the job, writes ids/decisions/PII texts to `out` (JSON)."""
    import pyarrow.parquet as pq

    from dataharbor.pipeline.jobs import run_job

    h, job = queue_job(home, corpus, profile, workers=workers, languages=languages)
    me0, kids0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    outcome = run_job(h.catalog, h.settings, job)
    wall = time.perf_counter() - t0
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum((b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime) for a, b in ((me0, me), (kids0, kids)))
    pii_ids = set((corpus / "pii-ids.txt").read_text().split()) if (corpus / "pii-ids.txt").exists() else set()
    kept: list[str] = []
    dropped: dict[str, str] = {}
    pii_texts: dict[str, str] = {}
    # streamed in small batches: this runs in the measured process, so it must not add its own peak
    columns = ["metadata", "text", "dropped_by", "drop_reason"]
    for shard in sorted(home.rglob("*.parquet")):
        rows = (r for b in pq.ParquetFile(shard).iter_batches(batch_size=1024, columns=columns) for r in b.to_pylist())
        for row in rows:
            doc_id = json.loads(row["metadata"] or "{}").get("fields", {}).get("id", "")
            if row["dropped_by"]:
                dropped[doc_id] = f"{row['dropped_by']}:{row['drop_reason']}"
            else:
                kept.append(doc_id)
                if doc_id in pii_ids:
                    pii_texts[doc_id] = row["text"]
    stages = outcome.stats.get("stages", {})
    out.write_text(
        json.dumps(
            {
                "job_wall_s": wall,
                "job_cpu_s": cpu,
                "kept": kept,
                "dropped": dropped,
                "pii_texts": pii_texts,
                "stage_counters": stages,
            }
        )
    )


def ensure_datatrove() -> str:
    """datatrove's own venv under bench/work (created once from PyPI); returns its version."""
    py = DT_VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(DT_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", *DT_PACKAGES], check=True)
    probe = "import importlib.metadata as m; print(m.version('datatrove'))"
    return subprocess.run([str(py), "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def slice_corpus(src: Path, dst: Path, docs: int) -> None:
    """The first `docs` pages of a corpus (its pages are shuffled: a random sample), same truth file."""
    dst.mkdir(parents=True, exist_ok=True)
    parts = sorted(src.glob("part-*.jsonl"))
    for part in parts:
        with open(part, encoding="utf-8") as fh, open(dst / part.name, "w", encoding="utf-8") as out:
            for n, line in enumerate(fh):
                if n >= docs // len(parts):
                    break
                out.write(line)
    for name in ("truth.json", "pii-ids.txt"):
        (dst / name).write_bytes((src / name).read_bytes())


def corpus_texts(corpus: Path) -> dict[str, str]:
    texts = {}
    for part in sorted(corpus.glob("part-*.jsonl")):
        with open(part, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                texts[row["id"]] = row["text"]
    return texts


def bench_profile(name: str) -> Any:
    """A profile by name: the benchmark's own (`bench/profiles.yaml`: `equivalent`) or a built-in one."""
    from dataharbor.pipeline.profiles import load_profiles

    return {**load_profiles(), **load_profiles(HERE / "profiles.yaml")}[name]


def corpus_size(corpus: Path) -> tuple[int, float]:
    docs, size = 0, 0
    for part in sorted(corpus.glob("part-*.jsonl")):
        with open(part, encoding="utf-8") as fh:
            for line in fh:
                docs += 1
                size += len(json.loads(line)["text"].encode())
    return docs, size / 1e6


def _throughput(
    m: Measured, docs: int, mb: float, cpu: float | None = None, wall: float | None = None
) -> dict[str, Any]:
    cpu, wall = cpu or m.cpu_s, wall or m.wall_s
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "mb_per_cpu_s": round(mb / cpu, 4),
        "mb_per_wall_s": round(mb / wall, 4),
        "docs_per_s": round(docs / wall, 2),
        "peak_rss_mb": round(m.peak_rss_mb),
        "peak_rss_one_process_mb": round(m.peak_rss_one_process_mb),
        "process_wall_s": round(m.wall_s, 2),
        "process_cpu_s": round(m.cpu_s, 2),
        "load_before": [round(x, 2) for x in m.load_before],
        "load_after": [round(x, 2) for x in m.load_after],
    }


def run_harbor(
    corpus: Path, name: str, profile: str, workers: int, languages: list[str], config: bool
) -> tuple[Measured, dict[str, Any]]:
    home, out = WORK / f"home-{name}", WORK / f"harbor-{name}.json"
    shutil.rmtree(home, ignore_errors=True)
    env = dict(os.environ)
    if config:
        env["DATAHARBOR_PIPELINE_CONFIG"] = str(HERE / "profiles.yaml")
    cmd = [sys.executable, str(HERE / "compare.py"), "harbor-job", str(home), str(corpus), profile, str(out)]
    m = measure([*cmd, "--workers", str(workers), "--languages", *languages], env=env)
    res = json.loads(out.read_text())
    shutil.rmtree(home, ignore_errors=True)
    return m, res


def harbor_result(
    m: Measured, res: dict[str, Any], docs: int, mb: float, truth: dict[str, Any], texts: dict[str, str] | None
) -> dict[str, Any]:
    """One DataHarbor run's row: throughput of the job, decisions, dedup and PII accuracy against the truth."""
    from compare_metrics import dedup_metrics, pii_recall

    reached = set(res["kept"]) | {i for i, why in res["dropped"].items() if why.startswith("dedup:")}
    return _throughput(m, docs, mb, res["job_cpu_s"], res["job_wall_s"]) | {
        "kept": len(res["kept"]),
        "dropped": len(res["dropped"]),
        "dedup": dedup_metrics(truth, reached, set(res["kept"]), texts),
        "pii": pii_recall(truth["pii"], res["pii_texts"]),
        "stage_counters": res["stage_counters"],
    }


def run_all(argv: list[str]) -> None:
    import shutil

    from compare_metrics import dedup_metrics, pii_recall
    from corpus import build

    from dataharbor import __version__

    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--default-docs", type=int, default=0, help="run `default` on a slice of this many pages (0: all)")
    ap.add_argument("--out", type=Path, default=None, help="results file (default results/compare-<date>.json)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["io_floor", "datatrove", "equivalent", "default"])
    args = ap.parse_args(argv)
    w = args.workers
    dt_version = ensure_datatrove() if "datatrove" not in args.skip else None
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "note": "shared machine: other engineers' work ran at the same time (see load averages per run)",
        },
        "versions": {"dataharbor": __version__, "datatrove": dt_version},
        "workers": w,
        "runs": {},
        "scale_curve": [],
    }
    for scale in args.scales:
        corpus = WORK / f"corpus-{scale}x"
        summary = build(corpus, scale, files=w)
        truth = json.loads((corpus / "truth.json").read_text())
        (corpus / "pii-ids.txt").write_text("\n".join(sorted({p["id"] for p in truth["pii"]})))
        docs, mb = int(summary["documents"]), float(summary["text_mb"])  # type: ignore[call-overload,arg-type]
        print(f"corpus {scale}x: {docs} pages, {mb:.1f} MB of text", flush=True)
        runs: dict[str, Any] = {"corpus": summary}
        texts = corpus_texts(corpus) if scale == 1 else None  # for the natural-duplicate check (1x truth)
        if "io_floor" not in args.skip:
            # about a second of work, so the noise of a shared machine matters: best of three
            cmd = [sys.executable, str(HERE / "compare.py"), "io-floor", str(corpus), str(WORK / "io-floor")]
            m = min((measure([*cmd, "--workers", str(w)]) for _ in range(3)), key=lambda x: x.cpu_s)
            shutil.rmtree(WORK / "io-floor", ignore_errors=True)
            runs["io_floor"] = _throughput(m, docs, mb)
            print("io_floor", runs["io_floor"], flush=True)
        if "equivalent" not in args.skip:
            m, res = run_harbor(corpus, f"equivalent-{scale}x", "equivalent", w, [], config=True)
            runs["equivalent"] = harbor_result(m, res, docs, mb, truth, texts)
            print("equivalent", {k: v for k, v in runs["equivalent"].items() if k != "stage_counters"}, flush=True)
        if scale == args.scales[0] and "datatrove" not in args.skip:
            out = WORK / "datatrove-out"
            cmd = [str(DT_VENV / "bin" / "python"), str(HERE / "datatrove_run.py"), str(corpus), str(out)]
            m = measure([*cmd, "--workers", str(w), "--pii-ids", str(corpus / "pii-ids.txt")])
            res = json.loads(m.stdout.strip().splitlines()[-1])
            (WORK / "datatrove-ids.json").write_text(json.dumps({k: res[k] for k in ("after_filters", "final")}))
            shutil.rmtree(out, ignore_errors=True)
            final = set(res["final"])
            runs["datatrove"] = _throughput(m, docs, mb) | {
                "kept": len(final),
                "dropped": docs - len(final),
                "dedup": dedup_metrics(truth, set(res["after_filters"]), final, texts),
                "pii": pii_recall(truth["pii"], res["pii_texts"]),
                "stage_wall_s": res["stage_wall_s"],
                "step_times_s": res["step_times_s"],
            }
            print("datatrove", runs["datatrove"], flush=True)
        if scale == args.scales[0] and "default" not in args.skip:
            sliced = corpus
            if 0 < args.default_docs < docs:  # a random sample when the whole corpus would take too long
                sliced = WORK / "corpus-slice"
                slice_corpus(corpus, sliced, args.default_docs)
            s_docs, s_mb = corpus_size(sliced)
            m, res = run_harbor(sliced, "default", "default", w, ["en", "fr", "de", "es"], config=False)
            runs["default"] = {"pages": s_docs, "text_mb": round(s_mb, 3)} | harbor_result(
                m, res, s_docs, s_mb, truth, texts
            )
            print("default", {k: v for k, v in runs["default"].items() if k != "stage_counters"}, flush=True)
        result["runs"][f"{scale}x"] = runs
        if "equivalent" in runs:
            e = runs["equivalent"]
            result["scale_curve"].append(
                {
                    "scale": scale,
                    "mb": mb,
                    "mb_per_cpu_s": e["mb_per_cpu_s"],
                    "mb_per_wall_s": e["mb_per_wall_s"],
                    "peak_rss_mb": e["peak_rss_mb"],
                }
            )
    first = result["runs"][f"{args.scales[0]}x"]
    if "datatrove" in first:
        for name in ("equivalent", "default", "io_floor"):
            if name in first:
                first[name]["ratio_to_datatrove_per_cpu_s"] = round(
                    first[name]["mb_per_cpu_s"] / first["datatrove"]["mb_per_cpu_s"], 2
                )
    if "io_floor" in first:
        for name in ("datatrove", "equivalent", "default"):
            if name in first:
                first[name]["times_below_io_floor_per_cpu_s"] = round(
                    first["io_floor"]["mb_per_cpu_s"] / first[name]["mb_per_cpu_s"], 1
                )
    dest = args.out or HERE / "results" / f"compare-{datetime.now(UTC):%Y-%m-%d}.json"
    dest.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"written {dest}")


def table(result: dict[str, Any]) -> str:
    """The README's table (Markdown) of the first scale's runs."""
    (scale, first), *_ = result["runs"].items()
    rows = [
        "| run | MB/CPU-s | MB/wall-s | docs/s | peak RSS (tree) | x datatrove /CPU-s | x below I/O floor"
        " | near-dup recall | exact recall | removed, not planted | removed, unlike any page | PII recall |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ("io_floor", "datatrove", "equivalent", "default"):
        r = first.get(name)
        if not r:
            continue
        d, p = r.get("dedup", {}), r.get("pii", {})
        rows.append(
            f"| {name} | {r['mb_per_cpu_s']:.3f} | {r['mb_per_wall_s']:.3f} | {r['docs_per_s']:.1f}"
            f" | {r['peak_rss_mb']} MB"
            f" | {r.get('ratio_to_datatrove_per_cpu_s', '')} | {r.get('times_below_io_floor_per_cpu_s', '')}"
            f" | {d.get('near_recall', '')} | {d.get('exact_recall', '')}"
            f" | {d.get('wrongly_removed', '')} ({d.get('wrongly_removed_share', '')})"
            f" | {d.get('removed_unlike_any_page', '')} ({d.get('removed_unlike_any_page_share', '')})"
            f" | {p.get('recall', '')} |"
        )
    curve = ["", "| scale | MB | MB/CPU-s | MB/wall-s | peak RSS |", "|---|---|---|---|---|"]
    curve += [
        f"| {c['scale']}x | {c['mb']:.0f} | {c['mb_per_cpu_s']:.3f} | {c['mb_per_wall_s']:.3f}"
        f" | {c['peak_rss_mb']} MB |"
        for c in result["scale_curve"]
    ]
    return f"corpus {scale}\n" + "\n".join(rows + curve)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("io-floor", "harbor-job"):
        run_all(sys.argv[1:])
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    io = sub.add_parser("io-floor", help="(internal) run (a)")
    io.add_argument("corpus", type=Path)
    io.add_argument("out", type=Path)
    io.add_argument("--workers", type=int, default=2)
    hj = sub.add_parser("harbor-job", help="(internal) run (c) or (d)")
    hj.add_argument("home", type=Path)
    hj.add_argument("corpus", type=Path)
    hj.add_argument("profile")
    hj.add_argument("out", type=Path)
    hj.add_argument("--workers", type=int, default=2)
    hj.add_argument("--languages", nargs="*", default=[])
    args = ap.parse_args()
    if args.cmd == "io-floor":
        io_floor(args.corpus, args.out, args.workers)
    else:
        harbor_job(args.home, args.corpus, args.profile, args.workers, args.languages, args.out)


if __name__ == "__main__":
    main()
