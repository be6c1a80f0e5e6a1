"""Accuracy and speed of the `minhash` + `dedup` stages.

1. Labelled pairs: `evaldata/neardup/minhash_articles_plagiarism` (articles_100: 5 true pairs,
   articles_1000: 10; every other pair is a negative). Records go through the stages in file
   order; each dropped record and the record it was matched to form a predicted pair.
   Reported: pair recall / precision, and "false removals" = dropped records that are in no
   true pair. The defaults (5-word shingles, threshold 0.8, 20 bands x 6 rows of 128) were set
   before looking at this data; the sweep over settings is printed for articles_100 only
   (tuning split) and the defaults are reported on articles_1000 (held out).
2. Planted edits: 200 articles of articles_1000 that are in no true pair, each copied with
   p% of its words replaced; detection rate per p and false removals among the originals.
   This shows where 5-word shingles at 0.8 stop seeing a near duplicate.
3. Throughput: records/s and MB/s, one core, for fingerprinting and for dedup in memory,
   against a SQLite index file, and (if reachable) against a local PostgreSQL.

    .venv/bin/python bench/accuracy/neardup.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dataharbor.domain.record import Provenance, Record
from dataharbor.evaldata import evaldata_dir
from dataharbor.pipeline.stage import StageContext, run_stages
from dataharbor.pipeline.stages._dedup_signature import fold_tokens
from dataharbor.pipeline.stages.dedup import DedupStage, MinhashSignatureStage

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "results" / "accuracy_neardup.json"
DATA = evaldata_dir() / "neardup" / "minhash_articles_plagiarism"
PG_URL = os.environ.get("DATAHARBOR_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BATCH = 100
SPEED_BATCH = 500

Pair = frozenset[str]


def load(name: str) -> tuple[list[tuple[str, str]], set[Pair]]:
    docs = []
    for line in (DATA / f"{name}.train").read_text("utf-8").splitlines():
        doc_id, _, text = line.partition(" ")
        docs.append((doc_id, text))
    truth = {frozenset(line.split()) for line in (DATA / f"{name}.truth").read_text().splitlines() if line}
    return docs, truth


def records(docs: Sequence[tuple[str, str]]) -> list[Record]:
    prov = Provenance("0" * 64, "articles", "bench", "1")
    return [Record(id=doc_id, text=text, provenance=prov) for doc_id, text in docs]


def run(recs: list[Record], ctx: StageContext | None = None, batch: int = BATCH, **params: Any) -> dict[str, float]:
    """Run both steps in batches; returns seconds spent in each."""
    ctx = ctx or StageContext(job_id=1)
    shingle = {k: v for k, v in params.items() if k in ("word_ngram", "char_ngram", "num_perm", "seed")}
    minhash, dedup = MinhashSignatureStage(ctx, **shingle), DedupStage(ctx, **params)
    spent = {"minhash": 0.0, "dedup": 0.0}
    for start in range(0, len(recs), batch):
        part = recs[start : start + batch]
        for stage in (minhash, dedup):
            t = time.perf_counter()
            run_stages([stage], part, {})
            spent[stage.name] += time.perf_counter() - t
    dedup.abort()  # leave nothing behind in a shared index
    return spent


def jaccard(a: str, b: str, n: int = 5) -> float:
    def grams(text: str) -> set[tuple[str, ...]]:
        t = fold_tokens(text)
        return {tuple(t[i : i + n]) for i in range(max(1, len(t) - n + 1))}

    x, y = grams(a), grams(b)
    return len(x & y) / len(x | y)


def score(recs: list[Record], truth: set[Pair]) -> dict[str, Any]:
    predicted = {frozenset((r.id, r.annotations["dedup"]["duplicate_of"])) for r in recs if not r.kept}
    in_truth = {i for pair in truth for i in pair}
    hits = predicted & truth
    return {
        "true_pairs": len(truth),
        "predicted_pairs": len(predicted),
        "recall": len(hits) / len(truth) if truth else 1.0,
        "precision": len(hits) / len(predicted) if predicted else 1.0,
        "dropped": sum(not r.kept for r in recs),
        "false_removals": sum(1 for r in recs if not r.kept and r.id not in in_truth),
        "missed": sorted(" ".join(sorted(p)) for p in truth - predicted),
    }


def labelled(name: str, **params: Any) -> dict[str, Any]:
    docs, truth = load(name)
    recs = records(docs)
    run(recs, **params)
    return score(recs, truth)


def edit(text: str, share: float, rng: random.Random) -> str:
    words = text.split()
    for pos in rng.sample(range(len(words)), max(1, round(share * len(words)))):
        words[pos] = f"zz{rng.randrange(10**6)}"
    return " ".join(words)


def planted(shares: Sequence[float], count: int) -> list[dict[str, Any]]:
    docs, truth = load("articles_1000")
    in_truth = {i for pair in truth for i in pair}
    originals = [(i, t) for i, t in docs if i not in in_truth][:count]
    rows = []
    for share in shares:
        rng = random.Random(int(share * 1000))
        copies = [(f"{i}-copy", edit(t, share, rng)) for i, t in originals]
        recs = records([*originals, *copies])
        run(recs)
        orig = recs[: len(originals)]
        copy = recs[len(originals) :]
        found = sum(
            1
            for r, (i, _) in zip(copy, originals, strict=True)
            if not r.kept and r.annotations["dedup"]["duplicate_of"] == i
        )
        mean_j = sum(jaccard(t, c) for (_, t), (_, c) in zip(originals, copies, strict=True)) / len(originals)
        rows.append(
            {
                "words_changed": share,
                "mean_true_jaccard_5gram": round(mean_j, 3),
                "detected": found / len(copies),
                "originals_dropped": sum(not r.kept for r in orig),
            }
        )
    return rows


def throughput(quick: bool) -> list[dict[str, Any]]:
    docs, _ = load("articles_1000")
    repeat = 1 if quick else 5
    # worst case for the index: (almost) every record is new and gets written. Copy k > 0 of an
    # article has its words shuffled, so it shares no shingles with the original.
    corpus = [(f"{i}-{k}", _shuffled(t, k)) for k in range(repeat) for i, t in docs]
    megabytes = sum(len(t.encode()) for _, t in corpus) / 1e6
    rows = []
    targets: list[tuple[str, str]] = [("memory", "")]
    tmp = Path(tempfile.mkdtemp(prefix="neardup-bench-"))
    targets.append(("sqlite", f"sqlite:///{tmp / 'catalog.db'}"))
    schema = _pg_schema()
    if schema:
        targets.append(("postgresql", f"{PG_URL}?options=-csearch_path%3D{schema}"))
    for label, url in targets:
        recs = records(corpus)
        spent = run(recs, StageContext(job_id=1, database_url=url), batch=SPEED_BATCH)
        rows.append(
            {
                "index": label,
                "records": len(recs),
                "megabytes": round(megabytes, 2),
                "minhash_records_per_s": round(len(recs) / spent["minhash"]),
                "dedup_records_per_s": round(len(recs) / spent["dedup"]),
                "both_mb_per_s": round(megabytes / (spent["minhash"] + spent["dedup"]), 2),
                "dropped": sum(not r.kept for r in recs),
            }
        )
    if schema:
        _pg_drop(schema)
    return rows


def _shuffled(text: str, seed: int) -> str:
    if seed == 0:
        return text
    words = text.split()
    random.Random(seed).shuffle(words)
    return " ".join(words)


def _pg_schema() -> str | None:
    from sqlalchemy import create_engine, text

    schema = f"dedup_bench_{uuid.uuid4().hex[:8]}"
    try:
        engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        return schema
    except Exception:  # no server: skip that row
        return None


def _pg_drop(schema: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller planted set and throughput corpus")
    args = parser.parse_args()

    sweep = []
    for word_ngram in (3, 5):
        for threshold in (0.5, 0.7, 0.8, 0.9):
            r = labelled("articles_100", word_ngram=word_ngram, threshold=threshold)
            sweep.append({"word_ngram": word_ngram, "threshold": threshold, **r})
    defaults = {"word_ngram": 5, "threshold": 0.8, "bands": 20, "num_perm": 128}
    heldout = labelled("articles_1000")
    _, truth = load("articles_1000")
    docs = dict(load("articles_1000")[0])
    truth_jaccard = sorted(round(jaccard(docs[a], docs[b]), 3) for a, b in (sorted(p) for p in truth))
    plants = planted((0.01, 0.02, 0.03, 0.05, 0.1, 0.2), 50 if args.quick else 200)
    speed = throughput(args.quick)

    print("Labelled pairs, articles_100 (tuning split): settings sweep")
    print(f"{'ngram':>5} {'thr':>4} {'recall':>6} {'prec':>6} {'dropped':>7} {'false_rm':>8}")
    for r in sweep:
        print(
            f"{r['word_ngram']:>5} {r['threshold']:>4} {r['recall']:>6.2f} {r['precision']:>6.2f}"
            f" {r['dropped']:>7} {r['false_removals']:>8}"
        )
    print(f"\nHeld out, articles_1000, defaults {defaults}:")
    print(
        f"  recall {heldout['recall']:.2f}  precision {heldout['precision']:.2f}"
        f"  dropped {heldout['dropped']}"
        f"  false removals {heldout['false_removals']}  missed {heldout['missed']}"
    )
    print(f"  true 5-gram Jaccard of the labelled pairs: {truth_jaccard}")
    print("\nPlanted word substitutions (copies of articles_1000 documents in no true pair), defaults:")
    print(f"{'changed':>7} {'true J':>6} {'detected':>8} {'originals dropped':>17}")
    for r in plants:
        print(
            f"{r['words_changed']:>7.0%} {r['mean_true_jaccard_5gram']:>6.3f} {r['detected']:>8.2f}"
            f" {r['originals_dropped']:>17}"
        )
    print(f"\nThroughput (one process, batches of {SPEED_BATCH}, nearly all records new):")
    print(
        f"{'index':>10} {'records':>7} {'MB':>6} {'minhash rec/s':>13} {'dedup rec/s':>11} {'MB/s':>6} {'dropped':>7}"
    )
    for r in speed:
        print(
            f"{r['index']:>10} {r['records']:>7} {r['megabytes']:>6} {r['minhash_records_per_s']:>13}"
            f" {r['dedup_records_per_s']:>11} {r['both_mb_per_s']:>6} {r['dropped']:>7}"
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "dataset": "evaldata/neardup/minhash_articles_plagiarism",
                "defaults": defaults,
                "tuning_sweep_articles_100": sweep,
                "heldout_articles_1000": heldout,
                "labelled_pair_jaccard_5gram": truth_jaccard,
                "planted_edits": plants,
                "throughput": speed,
            },
            indent=2,
        )
    )
    print(f"\nwrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
