"""Accuracy of the built-in safety model, on data it was not trained on.

    .venv/bin/python bench/accuracy/safety.py            # the built-in model as the stage loads it
    .venv/bin/python bench/accuracy/safety.py --embed    # with the fine-tuned MiniLM cascade (builtin+embed)

- HateCheck, held-out template families (the half not used for training; seed-0 family split);
- Davidson tweets, held-out 20 % (toxic = hate or offensive vs neither; and hate vs the rest);
- non-English sanity check (no labelled non-English toxicity set exists here): clean sentences
  (lingua test sentences, NLTK Genesis) should score low; the same sentences with one bad word from
  that language's lexicon appended should score higher;
- benign real prose (never used for training; see BENIGN_SOURCES): paragraphs of US inaugural and
  State of the Union addresses (NLTK), whole addresses, the UDHR in en/fr/de/es, and the demo
  bundle's benign records: false-flag rate at the default threshold, score distribution, and
  ROC-AUC of HateCheck held-out hateful cases vs benign paragraphs;
- throughput (documents per CPU-second) on short sentences, 2 KB documents and speech paragraphs.
Prints a table and writes bench/results/accuracy_safety.json.
"""

from __future__ import annotations

import json
import random
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from dataharbor.evaldata import evaldata_dir
from dataharbor.ingest.extractor import Extracted
from dataharbor.ingest.walk import source_from_path, walk
from dataharbor.pipeline.stages._safety_data import load_davidson, load_hatecheck, split_davidson, split_hatecheck
from dataharbor.pipeline.stages._safety_lexicon import read_lexicon
from dataharbor.pipeline.stages._safety_model import LinearSafetyModel, builtin_dir, builtin_model

LANGS = ["fr", "de", "es", "it", "pt", "nl", "pl", "ru", "tr", "sv"]
PER_LANG = 200
RESULTS = Path(__file__).resolve().parents[1] / "results" / "accuracy_safety.json"
# `--embed`: the linear model with the fine-tuned MiniLM cascade (_safety_embed_model.py)
RESULTS_EMBED = RESULTS.with_name("accuracy_safety_embed.json")
EMBED = "--embed" in sys.argv
REPO = Path(__file__).resolve().parents[2]
# Evaluation-only benign sources. The trainer's benign pool (train_safety.py) is disjoint: lingua
# sentences beyond the first 200 per language, NLTK Genesis (English), UDHR lines of languages other
# than these four. The trafilatura evaluation set only has 3–6-word gold snippets, not gold texts,
# so it is not used.
UDHR_EVAL = {"en": "eng", "fr": "fra", "de": "deu_1996", "es": "spa"}
DEMO = REPO / "samples" / "bundle"
DEMO_HATEFUL = ("reader-reviews.csv", 5)  # the one hateful record of the demo bundle (row 5)


@cache
def model_under_test() -> LinearSafetyModel:
    if not EMBED:
        return builtin_model()
    from dataharbor.pipeline.stages._safety_embed_model import builtin_cascade_model

    return builtin_cascade_model()


def scores(texts: list[str]) -> np.ndarray:
    model = model_under_test()
    return np.array([model.score(t).toxicity for t in texts])


def labelled() -> dict[str, Any]:
    model = model_under_test()
    t = model.threshold
    _, hc_test = split_hatecheck(load_hatecheck(), seed=0)
    s = scores([e.text for e in hc_test])
    y = np.array([e.label for e in hc_test])
    per_func: dict[str, float] = {}
    for g in sorted({e.group for e in hc_test}):
        idx = [i for i, e in enumerate(hc_test) if e.group == g]
        per_func[g] = round(float(np.mean((s[idx] >= t) == y[idx].astype(bool))), 3)
    _, dav_test = split_davidson(load_davidson(), seed=0)
    d = scores([e.text for e in dav_test])
    return {
        "threshold": t,
        "hatecheck_heldout": {
            "n": len(hc_test),
            "roc_auc": round(float(roc_auc_score(y, s)), 4),
            "accuracy": round(float(np.mean((s >= t) == y.astype(bool))), 4),
            "accuracy_per_functionality": per_func,
        },
        "davidson_heldout": {
            "n": len(dav_test),
            "roc_auc_toxic_vs_neither": round(float(roc_auc_score([e.label for e in dav_test], d)), 4),
            "roc_auc_hate_vs_rest": round(float(roc_auc_score([e.group == "hate" for e in dav_test], d)), 4),
        },
    }


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def speech_paragraphs(corpus: str) -> tuple[list[str], list[str]]:
    """(paragraphs of at least 100 characters, whole addresses) of an NLTK speech corpus."""
    paragraphs: list[str] = []
    docs: list[str] = []
    for path in sorted((evaldata_dir() / "text" / "nltk_corpora" / corpus).glob("*.txt")):
        text = _read(path)
        docs.append(text)
        paragraphs.extend(ln.strip() for ln in text.splitlines() if len(ln.strip()) >= 100)
    return paragraphs, docs


def udhr_paragraphs(key: str) -> list[str]:
    text = (evaldata_dir() / "text" / "udhr" / "txt" / f"{key}.txt").read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if len(ln.strip()) >= 30]


def demo_records() -> list[tuple[str, str]]:
    """(label, text) of every record the ingest layer extracts from the demo bundle."""
    out: list[tuple[str, str]] = []
    for path in sorted(p for p in DEMO.rglob("*") if p.is_file()):
        for item in walk(source_from_path(path)):
            if isinstance(item, Extracted) and item.text.strip():
                where = ",".join(f"{k}={v}" for k, v in item.location.items() if k != "chars")
                out.append((f"{path.name}[{where}]", item.text))
    return out


def _dist(s: np.ndarray, threshold: float) -> dict[str, Any]:
    return {
        "n": len(s),
        "flagged": round(float(np.mean(s >= threshold)), 4),
        "mean": round(float(s.mean()), 3),
        "p50": round(float(np.quantile(s, 0.5)), 3),
        "p90": round(float(np.quantile(s, 0.9)), 3),
        "p99": round(float(np.quantile(s, 0.99)), 3),
        "max": round(float(s.max()), 3),
    }


def benign_real() -> dict[str, Any]:
    """False flags and score distribution on real benign prose the model was not trained on."""
    model = model_under_test()
    t = model.threshold
    sets: dict[str, list[str]] = {}
    sets["inaugural_paragraphs"], sets["inaugural_whole_addresses"] = speech_paragraphs("inaugural")
    sets["state_union_paragraphs"], sets["state_union_whole_addresses"] = speech_paragraphs("state_union")
    for lang, key in UDHR_EVAL.items():
        sets[f"udhr_{lang}_paragraphs"] = udhr_paragraphs(key)
    demo = demo_records()
    hateful_label = f"{DEMO_HATEFUL[0]}[row={DEMO_HATEFUL[1]}]"
    sets["demo_benign_records"] = [text for label, text in demo if label != hateful_label]
    out: dict[str, Any] = {name: _dist(scores(texts), t) for name, texts in sets.items()}
    paragraphs = [k for k in sets if k.endswith("_paragraphs")] + ["demo_benign_records"]
    benign = np.concatenate([scores(sets[k]) for k in paragraphs])
    out["all_benign_paragraphs"] = _dist(benign, t)
    _, hc_test = split_hatecheck(load_hatecheck(), seed=0)
    hateful = scores([e.text for e in hc_test if e.label == 1])
    out["auc_hatecheck_heldout_hateful_vs_benign_paragraphs"] = round(
        float(roc_auc_score([1] * len(hateful) + [0] * len(benign), [*hateful, *benign])), 4
    )
    demo_scores = {label: round(model.score(text).toxicity, 3) for label, text in demo}
    out["demo_records"] = demo_scores
    hate = demo_scores[hateful_label]
    out["demo_hateful_above_all_benign"] = all(v < hate for k, v in demo_scores.items() if k != hateful_label)
    return out


def clean_sentences(lang: str) -> list[str]:
    path = evaldata_dir() / "text" / "lingua_langid_testdata" / "language-testdata" / "sentences" / f"{lang}.txt"
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if len(ln.strip()) > 20]
    return lines[:PER_LANG]


def multilingual() -> dict[str, Any]:
    model = model_under_test()
    lexicon = read_lexicon(builtin_dir() / "lexicon.txt.gz")
    rng = random.Random(0)
    out: dict[str, Any] = {}
    for lang in LANGS:
        clean = clean_sentences(lang)
        words = [w for w in lexicon.get(lang, []) if " " not in w]
        rude = [f"{s} {rng.choice(words)}!" for s in clean]
        sc, sr = scores(clean), scores(rude)
        out[lang] = {
            "n": len(clean),
            "clean_mean": round(float(sc.mean()), 3),
            "clean_flagged": round(float(np.mean(sc >= model.threshold)), 3),
            "with_bad_word_mean": round(float(sr.mean()), 3),
            "with_bad_word_flagged": round(float(np.mean(sr >= model.threshold)), 3),
            "auc_clean_vs_bad_word": round(float(roc_auc_score([0] * len(sc) + [1] * len(sr), [*sc, *sr])), 4),
        }
    genesis = evaldata_dir() / "text" / "nltk_corpora" / "genesis"
    for name in ["french", "german", "portuguese", "finnish", "swedish"]:
        lines = [
            ln.strip()
            for ln in (genesis / f"{name}.txt").read_text(encoding="utf-8", errors="replace").splitlines()
            if len(ln.strip()) > 20
        ][:PER_LANG]
        s = scores(lines)
        out[f"genesis_{name}"] = {
            "n": len(lines),
            "clean_mean": round(float(s.mean()), 3),
            "clean_flagged": round(float(np.mean(s >= model.threshold)), 3),
        }
    return out


def throughput() -> dict[str, float]:
    """Documents per CPU-second (process time: the dev machine's cores are shared), best of 3."""
    model = model_under_test()
    short = clean_sentences("fr") + clean_sentences("de")
    english = (evaldata_dir() / "text" / "udhr" / "txt" / "eng.txt").read_text(encoding="utf-8")
    long_docs = [english[i : i + 2000] for i in range(0, len(english) - 2000, 97)][:200]
    paragraphs = speech_paragraphs("state_union")[0][:400]  # real paragraphs, ~370 characters
    out = {}
    for name, docs in [
        ("short_docs_per_cpu_s", short),
        ("docs_2kb_per_cpu_s", long_docs),
        ("speech_paragraphs_per_cpu_s", paragraphs),
    ]:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            for d in docs:
                model.score(d)
            best = min(best, time.process_time() - start)
        out[name] = round(len(docs) / best, 1)
    return out


def main() -> None:
    result = {
        "labelled": labelled(),
        "benign_real": benign_real(),
        "multilingual_sanity": multilingual(),
        "throughput": throughput(),
    }
    lab = result["labelled"]
    print(f"threshold {lab['threshold']}")
    print(f"{'set':38s} {'n':>6s} {'ROC-AUC':>8s}")
    hc = lab["hatecheck_heldout"]
    print(f"{'HateCheck held-out families':38s} {hc['n']:6d} {hc['roc_auc']:8.4f}")
    dav = lab["davidson_heldout"]
    print(f"{'Davidson held-out (toxic vs neither)':38s} {dav['n']:6d} {dav['roc_auc_toxic_vs_neither']:8.4f}")
    print(f"{'Davidson held-out (hate vs rest)':38s} {dav['n']:6d} {dav['roc_auc_hate_vs_rest']:8.4f}")
    print("\nHateCheck held-out accuracy per functionality at the default threshold:")
    for g, v in lab["hatecheck_heldout"]["accuracy_per_functionality"].items():
        print(f"  {g:22s} {v:.3f}")
    ben = result["benign_real"]
    print(f"\nbenign real text (not trained on), threshold {lab['threshold']}:")
    print(f"{'set':30s} {'n':>5s} {'flagged':>8s} {'mean':>6s} {'p50':>6s} {'p90':>6s} {'p99':>6s} {'max':>6s}")
    for name, r in ben.items():
        if isinstance(r, dict) and "flagged" in r:
            vals = " ".join(f"{r[k]:6.3f}" for k in ["mean", "p50", "p90", "p99", "max"])
            print(f"{name:30s} {r['n']:5d} {r['flagged']:8.4f} {vals}")
    print(
        f"ROC-AUC HateCheck held-out hateful vs benign paragraphs: "
        f"{ben['auc_hatecheck_heldout_hateful_vs_benign_paragraphs']:.4f}"
    )
    print("demo records:")
    for label, v in ben["demo_records"].items():
        print(f"  {v:.3f} {'FLAG' if v >= lab['threshold'] else '    '} {label}")
    print("demo hateful review above every benign record:", ben["demo_hateful_above_all_benign"])
    head = ["clean mean", "flagged", "+bad word", "flagged", "AUC"]
    print(f"\n{'non-English (no labels)':18s} " + " ".join(f"{h:>10s}" for h in head))
    for lang, r in result["multilingual_sanity"].items():
        if "with_bad_word_mean" in r:
            keys = ["clean_mean", "clean_flagged", "with_bad_word_mean", "with_bad_word_flagged"]
            print(f"{lang:18s} " + " ".join(f"{r[k]:10.3f}" for k in keys) + f" {r['auc_clean_vs_bad_word']:10.4f}")
        else:
            print(f"{lang:18s} {r['clean_mean']:10.3f} {r['clean_flagged']:10.3f}")
    print("\nthroughput (documents per CPU-second):", result["throughput"])
    out = RESULTS_EMBED if EMBED else RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
