"""Accuracy and speed of the `language` stage on lingua's 75-language sentence test set.

The ~74k sentences are split once, by a fixed seed, into two halves: the *tune* half is the only
one `--tune` looks at (it writes the cascade thresholds into `_langid_thresholds.py`); the
*held-out* half is the only one reported. Sentences go through the stage's `process` in batches
of `--batch`, one sentence per record, as in a pipeline run.

    .venv/bin/python bench/accuracy/langid.py                      # held-out accuracy + speed (rerank)
    .venv/bin/python bench/accuracy/langid.py --scope all          # lingua over all languages
    .venv/bin/python bench/accuracy/langid.py --scope candidates   # the fastest, less accurate
    .venv/bin/python bench/accuracy/langid.py --baselines          # + fastText alone, lingua alone
    .venv/bin/python bench/accuracy/langid.py --tune               # regenerate the fastText thresholds
    .venv/bin/python bench/accuracy/langid.py --train-tiny         # retrain the UDHR n-gram model
    .venv/bin/python bench/accuracy/langid.py --tune-tiny --cost 0.03  # regenerate its thresholds
    .venv/bin/python bench/accuracy/langid.py --no-tiny            # the cascade without the n-gram step
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from dataharbor.domain.record import Provenance, Record
from dataharbor.evaldata import evaldata_dir
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages import _langid_thresholds as tuned
from dataharbor.pipeline.stages import _langid_tiny as tiny
from dataharbor.pipeline.stages._langid_cascade import CascadeConfig, LangIdCascade
from dataharbor.pipeline.stages._langid_fasttext import FastTextLangId
from dataharbor.pipeline.stages._langid_lingua import LinguaLangId
from dataharbor.pipeline.stages.language import LanguageStage

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "results" / "accuracy_langid.json"
THRESHOLDS = ROOT / "src" / "dataharbor" / "pipeline" / "stages" / "_langid_thresholds.py"
TINY_THRESHOLDS = ROOT / "src" / "dataharbor" / "pipeline" / "stages" / "_langid_tiny_thresholds.py"
TINY_GRID = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 1.01]
# UDHR ISO 639-3 codes that lingua knows under its macrolanguage code
_UDHR_ALIAS = {"swh": "swa", "zlm": "msa", "azj": "aze", "arb": "ara", "cmn": "zho", "ekk": "est", "lvs": "lav"}
_UDHR_ALIAS |= {"als": "sqi", "pes": "fas", "khk": "mon"}
SEED = 20261122
GRID = [0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1.01]

Item = tuple[str, str]  # (gold ISO 639-1, sentence)


def load_split() -> tuple[list[Item], list[Item]]:
    folder = evaldata_dir() / "text" / "lingua_langid_testdata" / "language-testdata" / "sentences"
    items: list[Item] = []
    for path in sorted(folder.glob("*.txt")):
        items += [(path.stem, s.strip()) for s in path.read_text("utf-8").splitlines() if s.strip()]
    order = list(range(len(items)))
    random.Random(SEED).shuffle(order)
    half = len(order) // 2
    return [items[i] for i in sorted(order[:half])], [items[i] for i in sorted(order[half:])]


# ---- tuning (tune half only) --------------------------------------------------------------------


def tune(items: list[Item], cost: float) -> None:
    """Per fastText label, the acceptance threshold maximising `correct - cost * sent_to_lingua`."""
    fast = FastTextLangId()
    lingua = LinguaLangId()
    tops = [fast.predict(text) for _, text in items]
    print(f"lingua over {len(items)} tune sentences (all languages, both cores) ...", flush=True)
    lingua_top = [s[0][0] if s else "und" for s in lingua.scores_many([t for _, t in items])]
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, top in enumerate(tops):
        if top:
            by_label[top[0][0]].append(i)
    accept: dict[str, float] = {}
    for label, idx in sorted(by_label.items()):
        if label not in lingua.languages:
            continue
        best: tuple[float, float] | None = None
        for t in GRID:
            score = sum(
                (tops[i][0][0] == items[i][0]) if tops[i][0][1] >= t else (lingua_top[i] == items[i][0]) - cost
                for i in idx
            )
            if best is None or score > best[0]:
                best = (score, t)
        assert best is not None
        accept[label] = best[1]
    # languages fastText's unsure answers turn out to be, for the restricted ("candidates") scope
    confused: dict[str, Counter[str]] = defaultdict(Counter)
    for i, top in enumerate(tops):
        default = 0.9 if top and top[0][0] in lingua.languages else 0.5  # DEFAULT_ACCEPT / OUTSIDE_ACCEPT
        if top and top[0][1] < accept.get(top[0][0], default):
            confused[top[0][0]][items[i][0]] += 1
    confusable = {
        label: tuple(sorted(g for g, c in counts.items() if g != label and c >= max(3, 0.01 * sum(counts.values()))))
        for label, counts in sorted(confused.items())
    }
    body = (
        '"""Cascade thresholds, generated by `bench/accuracy/langid.py --tune` on the tune half of\n'
        "lingua's sentence test set (never on the held-out half that the script reports).\n\n"
        "ACCEPT: per fastText label, the probability from which fastText's answer is kept without lingua.\n"
        "CONFUSABLE: per fastText label, the gold languages its unsure answers turned out to be\n"
        '(lingua candidates when `lingua_scope="candidates"`).\n"""\n\n'
        f"# tuned with cost={cost} (one more correct answer is worth sending 1/cost sentences to lingua)\n"
        "DEFAULT_ACCEPT = 0.9\n"
        "OUTSIDE_ACCEPT = 0.5\n"
        f"ACCEPT: dict[str, float] = {_literal(accept)}\n"
        f"CONFUSABLE: dict[str, tuple[str, ...]] = {_literal({k: v for k, v in confusable.items() if v})}\n"
    )
    THRESHOLDS.write_text(body, "utf-8")
    print(f"wrote {THRESHOLDS}")


def _literal(mapping: dict[str, Any]) -> str:
    """A dict literal the way `ruff format` writes it: one entry per line, double quotes."""
    lines = [f"    {json.dumps(k)}: {_value(v)}," for k, v in mapping.items()]
    return "{\n" + "\n".join(lines) + "\n}"


def _value(v: Any) -> str:
    if isinstance(v, tuple):
        return "(" + ", ".join(json.dumps(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


# ---- the UDHR n-gram model and its thresholds (never the held-out half) -------------------------


def udhr_texts() -> dict[str, str]:
    """Every UDHR translation of each lingua language (all scripts and variants), concatenated."""
    codes = {lang.iso_code_639_3.name.lower(): lang.iso_code_639_1.name.lower() for lang in _lingua_languages()}
    folder = evaldata_dir() / "text" / "udhr"
    texts: dict[str, str] = defaultdict(str)
    with (folder / "languages.tsv").open(encoding="utf-8") as tsv:
        for row in csv.DictReader(tsv, delimiter="\t"):
            code = codes.get(_UDHR_ALIAS.get(row["iso639_3"], row["iso639_3"]))
            path = folder / "txt" / f"{row['key']}.txt"
            if code and path.exists():
                texts[code] += path.read_text("utf-8") + "\n"
    return dict(texts)


def _lingua_languages() -> list[Any]:
    import lingua

    return list(lingua.Language.all())


def train_tiny() -> None:
    texts = udhr_texts()
    langs, vocab, logp = tiny.train(texts)
    tiny.save(tiny.MODEL_PATH, langs, vocab, logp)
    size = tiny.MODEL_PATH.stat().st_size / 1e6
    print(f"wrote {tiny.MODEL_PATH.relative_to(ROOT)}: {len(langs)} languages, {len(vocab)} n-grams, {size:.1f} MB")


def tune_tiny(items: list[Item], cost: float) -> None:
    """Per n-gram-model label, the probability from which its answer spares lingua (tune half only)."""
    cascade = LangIdCascade(CascadeConfig(accept=tuned.ACCEPT, tiny_accept={}, tiny_default_accept=2.0))
    texts = [t for _, t in items]
    tops = [cascade.fast.predict(t, k=5) for t in texts]
    unsure = [i for i, top in enumerate(tops) if cascade.accept_fasttext(top) is None]
    print(f"{len(unsure)} of {len(items)} tune sentences unsure after fastText; lingua on them ...", flush=True)
    guesses = cascade.classify_many([texts[i] for i in unsure])  # the n-gram step never accepts here
    small = tiny.TinyLangId().scores_many([texts[i] for i in unsure])
    by_label: dict[str, list[int]] = defaultdict(list)
    for k, scores in enumerate(small):
        if scores:
            by_label[scores[0][0]].append(k)
    accept: dict[str, float] = {}
    for label, ks in sorted(by_label.items()):
        best: tuple[float, float] | None = None
        for t in TINY_GRID:
            gold = [items[unsure[k]][0] for k in ks]
            score = sum(
                (small[k][0][0] == g) if small[k][0][1] >= t else (guesses[k].lang == g) - cost
                for k, g in zip(ks, gold, strict=True)
            )
            if best is None or score > best[0]:
                best = (score, t)
        assert best is not None
        accept[label] = best[1]
    body = (
        '"""UDHR n-gram model thresholds, generated by `bench/accuracy/langid.py --tune-tiny` on the tune\n'
        "half of lingua's sentence test set (never on the held-out half that the script reports).\n\n"
        "TINY_ACCEPT: per n-gram-model label, the probability from which its answer is kept when fastText\n"
        "was unsure, instead of asking lingua (1.01 = never).\n"
        '"""\n\n'
        f"# tuned with cost={cost} (one more correct answer is worth sending 1/cost sentences to lingua)\n"
        "TINY_DEFAULT_ACCEPT = 1.01\n"
        f"TINY_ACCEPT: dict[str, float] = {_literal(accept)}\n"
    )
    TINY_THRESHOLDS.write_text(body, "utf-8")
    print(f"wrote {TINY_THRESHOLDS}")


# ---- evaluation (held-out half) -----------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_stage(
    items: list[Item], params: dict[str, Any], batch: int
) -> tuple[list[dict[str, Any]], float, float, float]:
    """Annotations, wall and CPU seconds of a cold pass, CPU seconds of a second (warm) pass.

    lingua loads a language's models the first time it is asked about that language (seconds in
    all), so the first pass over 75 languages pays for loading; the second shows the steady state
    of a long run. The answers of both passes are the same.
    """
    stage = LanguageStage(StageContext(), **params)
    stage.ensure_setup()
    prov = Provenance("0" * 64, "lingua-testdata", "bench", "1")
    # warm-up on a slice, so that loading fastText and the first lingua models is not counted
    stage.process([Record(f"w{i}", text, prov) for i, (_, text) in enumerate(items[: min(2000, len(items))])])
    out: list[dict[str, Any]] = []
    wall = cpu = warm = 0.0
    for rnd in range(2):
        for start in range(0, len(items), batch):
            records = [Record(str(start + i), text, prov) for i, (_, text) in enumerate(items[start : start + batch])]
            w0, c0 = time.perf_counter(), time.process_time()
            stage.process(records)
            if rnd == 0:
                wall += time.perf_counter() - w0
                cpu += time.process_time() - c0
                out += [r.annotations["language"] for r in records]
            else:
                warm += time.process_time() - c0
    return out, wall, cpu, warm


def report(items: list[Item], predicted: list[str]) -> dict[str, Any]:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (gold, _), lang in zip(items, predicted, strict=True):
        per[gold][0] += 1
        per[gold][1] += gold == lang
    acc = {g: c / n for g, (n, c) in per.items()}
    return {
        "accuracy": sum(c for _, c in per.values()) / len(items),
        "per_language": dict(sorted(acc.items())),
        "worst10": sorted(acc.items(), key=lambda kv: kv[1])[:10],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tune", action="store_true", help="regenerate the thresholds from the tune half")
    ap.add_argument("--cost", type=float, default=0.01, help="tuning: cost of one sentence sent to lingua")
    ap.add_argument("--scope", choices=["all", "candidates", "rerank"], default="rerank")
    ap.add_argument("--low-accuracy", action="store_true", help="lingua's low-accuracy mode")
    ap.add_argument("--parallel", action="store_true", help="lingua on every core for a batch")
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--limit", type=int, default=0, help="only the first N held-out sentences (quick look)")
    ap.add_argument("--baselines", action="store_true", help="also fastText alone and lingua alone")
    ap.add_argument("--train-tiny", action="store_true", help="retrain the UDHR n-gram model")
    ap.add_argument("--tune-tiny", action="store_true", help="regenerate the n-gram model thresholds")
    ap.add_argument("--no-tiny", action="store_true", help="the cascade without the n-gram step")
    args = ap.parse_args()

    tune_items, held_out = load_split()
    if args.train_tiny:
        train_tiny()
        return
    if args.tune:
        tune(tune_items, args.cost)
        return
    if args.tune_tiny:
        tune_tiny(tune_items, args.cost)
        return
    if args.limit:
        held_out = random.Random(1).sample(held_out, args.limit)
    params = {"lingua_scope": args.scope, "lingua_low_accuracy": args.low_accuracy, "parallel": args.parallel}
    params["tiny_model"] = not args.no_tiny
    notes, wall, cpu, warm = run_stage(held_out, params, args.batch)
    result: dict[str, Any] = {
        "data": f"lingua language-testdata/sentences, held-out half (seed {SEED})",
        "sentences": len(held_out),
        "params": params,
        "cascade": report(held_out, [n["lang"] for n in notes]),
        "sent_to_lingua": sum(n["method"] == "lingua" for n in notes) / len(notes),
        "decided_by_tiny": sum(n["method"] == "tiny" for n in notes) / len(notes),
        "sentences_per_s_wall": len(held_out) / wall,
        "sentences_per_s_cpu": len(held_out) / cpu,
        "sentences_per_s_cpu_warm": len(held_out) / warm,
        "peak_rss_mb": peak_rss_mb(),
    }
    if args.baselines:
        fast = FastTextLangId()
        t0 = time.process_time()
        ft = [(fast.predict(t, k=1) or [("und", 0.0)])[0][0] for _, t in held_out]
        speed = len(held_out) / (time.process_time() - t0)
        result["fasttext_alone"] = report(held_out, ft) | {"sentences_per_s_cpu": speed}
        lingua = LinguaLangId()
        t0 = time.perf_counter()
        li = [s[0][0] if s else "und" for s in lingua.scores_many([t for _, t in held_out])]
        speed = len(held_out) / (time.perf_counter() - t0)
        result["lingua_alone"] = report(held_out, li) | {"sentences_per_s_wall_all_cores": speed}
        result["peak_rss_mb"] = peak_rss_mb()
    print_table(result)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(f"\nwrote {OUT.relative_to(ROOT)}")


def print_table(result: dict[str, Any]) -> None:
    print(f"{result['data']}: {result['sentences']} sentences, params {result['params']}")
    rows = [("cascade (stage)", result["cascade"])]
    rows += [(k.replace("_", " "), result[k]) for k in ("fasttext_alone", "lingua_alone") if k in result]
    print(f"\n{'':18} {'overall':>8} {'en':>6} {'fr':>6} {'de':>6} {'es':>6}")
    for name, r in rows:
        per = r["per_language"]
        print(f"{name:18} {r['accuracy']:8.2%} " + " ".join(f"{per[g]:6.1%}" for g in ("en", "fr", "de", "es")))
    print("\nworst 10 (cascade): " + ", ".join(f"{g} {a:.1%}" for g, a in result["cascade"]["worst10"]))
    print(f"sent to lingua: {result['sent_to_lingua']:.1%}")
    print(f"decided by the UDHR n-gram model: {result['decided_by_tiny']:.1%}")
    wall, cpu = result["sentences_per_s_wall"], result["sentences_per_s_cpu"]
    print(f"throughput, first pass (loads lingua models): {wall:.0f} sentences/s wall, {cpu:.0f}/s per CPU-second")
    print(f"throughput, second pass (models loaded): {result['sentences_per_s_cpu_warm']:.0f}/s per CPU-second")
    for k in ("fasttext_alone", "lingua_alone"):
        if k in result:
            speed = {n: v for n, v in result[k].items() if n.startswith("sentences_per_s")}
            print(f"{k}: {speed}")
    print(f"peak RSS: {result['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
