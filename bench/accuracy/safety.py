"""Accuracy of the built-in safety model, on data it was not trained on.

    .venv/bin/python bench/accuracy/safety.py

- HateCheck, held-out template families (the half not used for training; seed-0 family split);
- Davidson tweets, held-out 20 % (toxic = hate or offensive vs neither; and hate vs the rest);
- non-English sanity check (no labelled non-English toxicity set exists here): clean sentences
  (lingua test sentences, NLTK Genesis) should score low; the same sentences with one bad word from
  that language's lexicon appended should score higher;
- throughput on short and 2 KB documents.
Prints a table and writes bench/results/accuracy_safety.json.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from dataharbor.evaldata import evaldata_dir
from dataharbor.pipeline.stages._safety_data import load_davidson, load_hatecheck, split_davidson, split_hatecheck
from dataharbor.pipeline.stages._safety_lexicon import read_lexicon
from dataharbor.pipeline.stages._safety_model import builtin_dir, builtin_model

LANGS = ["fr", "de", "es", "it", "pt", "nl", "pl", "ru", "tr", "sv"]
PER_LANG = 200
RESULTS = Path(__file__).resolve().parents[1] / "results" / "accuracy_safety.json"


def scores(texts: list[str]) -> np.ndarray:
    model = builtin_model()
    return np.array([model.score(t).toxicity for t in texts])


def labelled() -> dict[str, Any]:
    model = builtin_model()
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


def clean_sentences(lang: str) -> list[str]:
    path = evaldata_dir() / "text" / "lingua_langid_testdata" / "language-testdata" / "sentences" / f"{lang}.txt"
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if len(ln.strip()) > 20]
    return lines[:PER_LANG]


def multilingual() -> dict[str, Any]:
    model = builtin_model()
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
        lines = [ln.strip() for ln in (genesis / f"{name}.txt").read_text(encoding="utf-8", errors="replace")
                 .splitlines() if len(ln.strip()) > 20][:PER_LANG]
        s = scores(lines)
        out[f"genesis_{name}"] = {
            "n": len(lines),
            "clean_mean": round(float(s.mean()), 3),
            "clean_flagged": round(float(np.mean(s >= model.threshold)), 3),
        }
    return out


def throughput() -> dict[str, float]:
    model = builtin_model()
    short = clean_sentences("fr") + clean_sentences("de")
    english = (evaldata_dir() / "text" / "udhr" / "txt" / "eng.txt").read_text(encoding="utf-8")
    long_docs = [english[i : i + 2000] for i in range(0, len(english) - 2000, 97)][:200]
    out = {}
    for name, docs in [("short_docs_per_s", short), ("docs_2kb_per_s", long_docs)]:
        start = time.perf_counter()
        for d in docs:
            model.score(d)
        out[name] = round(len(docs) / (time.perf_counter() - start), 1)
    return out


def main() -> None:
    result = {"labelled": labelled(), "multilingual_sanity": multilingual(), "throughput": throughput()}
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
    head = ["clean mean", "flagged", "+bad word", "flagged", "AUC"]
    print(f"\n{'non-English (no labels)':18s} " + " ".join(f"{h:>10s}" for h in head))
    for lang, r in result["multilingual_sanity"].items():
        if "with_bad_word_mean" in r:
            keys = ["clean_mean", "clean_flagged", "with_bad_word_mean", "with_bad_word_flagged"]
            print(f"{lang:18s} " + " ".join(f"{r[k]:10.3f}" for k in keys) + f" {r['auc_clean_vs_bad_word']:10.4f}")
        else:
            print(f"{lang:18s} {r['clean_mean']:10.3f} {r['clean_flagged']:10.3f}")
    print("\nthroughput (1 core):", result["throughput"])
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
