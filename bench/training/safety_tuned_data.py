"""Data for fine-tuning the safety cascade's encoder, written for the torch trainer (bench/work/safety_tuned/).

    .venv/bin/python bench/training/safety_tuned_data.py --fold 0    # inner split 0 (development)
    .venv/bin/python bench/training/safety_tuned_data.py             # all training data (final)

Runs in the project venv (featurizer, linear model, loaders); the torch trainer
(`train_safety_tuned.py`, training venv) reads the JSON it writes. Every row carries the linear
model's log-odds `z` from a model that never trained on it: out of fold on the training rows, with
each HateCheck template family inside one fold (a random split would let the linear model see a
case's siblings and make `z` far surer there than on unseen families); for HolisticBias, which the
linear model never trains on, the fitted model. `--fold k` holds out one
inner half of HateCheck's *training* families (`safety_dev.inner_split`) and a seeded 10 % of the
Davidson training tweets, and adds those plus the benign development paragraphs' windows as
evaluation rows. The held-out HateCheck half and the Davidson 20 % are never loaded.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.model_selection import StratifiedGroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_safety as ts
from safety_dev import inner_split
from safety_embed_dev import sigmoid
from safety_extra_data import document_paragraphs, holistic_bias_examples

from dataharbor.pipeline.stages._safety_data import Example
from dataharbor.pipeline.stages._safety_features import sentence_windows
from dataharbor.pipeline.stages._safety_model import WINDOW_CHARS, builtin_dir, load_featurizer

OUT = Path(__file__).resolve().parents[1] / "work" / "safety_tuned"
HOLISTIC_BIAS = 6000
# doc windows below this linear probability are never re-scored by any band tried
LOWEST_BAND = 0.05


def grouped_oof_margins(
    x: sparse.csr_matrix, y: np.ndarray, w: np.ndarray, groups: list[str], folds: int
) -> np.ndarray:
    """Out-of-fold linear log-odds, rows of one group (a HateCheck family) in the same fold."""
    z = np.zeros(len(y))
    for tr, te in StratifiedGroupKFold(folds, shuffle=True, random_state=ts.SEED).split(x, y, groups):
        z[te] = ts.fit(x[tr], y[tr], w[tr]).decision_function(x[te])
    return z


def _rows(examples: Sequence[Example], kind: str, z: np.ndarray) -> dict[str, list[Any]]:
    return {
        "text": [e.text for e in examples],
        "label": [e.label for e in examples],
        "group": [e.group for e in examples],
        "kind": [kind] * len(examples),
        "z": [round(float(v), 5) for v in z],
    }


def _concat(parts: list[dict[str, list[Any]]]) -> dict[str, list[Any]]:
    return {key: [v for p in parts for v in p[key]] for key in parts[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fold", type=int, default=None, help="inner split of the HateCheck training families")
    args = ap.parse_args(argv)
    featurizer = load_featurizer(builtin_dir())
    dav_train, hc_train = ts.training_halves()  # the held-out half is never loaded here
    dav_dev: list[Example] = []
    hc_dev: list[Example] = []
    if args.fold is not None:
        rng = random.Random(1)  # the same 10 % as safety_embed_dev.py
        dev_idx = set(rng.sample(range(len(dav_train)), len(dav_train) // 10))
        dav_dev = [e for i, e in enumerate(dav_train) if i in dev_idx]
        dav_train = [e for i, e in enumerate(dav_train) if i not in dev_idx]
        hc_train, hc_dev = inner_split(hc_train, args.fold)
    blocks = [
        ("dav", dav_train, ts.DAVIDSON_WEIGHT),
        ("hc", hc_train, ts.HATECHECK_WEIGHT),
        ("udhr", ts.udhr_negatives(), ts.UDHR_WEIGHT),
        ("benign", ts.benign_negatives(), ts.BENIGN_WEIGHT),
    ]
    x = sparse.vstack([ts.matrix(featurizer, [e.text for e in b]) for _, b, _ in blocks]).tocsr()
    y = np.concatenate([[e.label for e in b] for _, b, _ in blocks])
    w = np.concatenate([np.full(len(b), wt) for _, b, wt in blocks])
    # a HateCheck case is grouped with its family, any other row stands alone
    groups = [e.family if name == "hc" else f"{name}{i}" for name, b, _ in blocks for i, e in enumerate(b)]
    z = grouped_oof_margins(x, y, w, groups, 3 if args.fold is not None else 5)
    linear = ts.fit(x, y, w)
    print("linear log-odds ready", flush=True)
    parts, start = [], 0
    for name, b, _ in blocks:
        parts.append(_rows(b, name, z[start : start + len(b)]))
        start += len(b)
    hb = holistic_bias_examples(HOLISTIC_BIAS)
    parts.append(_rows(hb, "hb", linear.decision_function(ts.matrix(featurizer, [e.text for e in hb]))))
    data: dict[str, Any] = {"train": _concat(parts)}
    if args.fold is not None:

        def scored(ex: Sequence[Example], kind: str) -> dict[str, list[Any]]:
            return _rows(ex, kind, linear.decision_function(ts.matrix(featurizer, [e.text for e in ex])))

        data["hc_dev"] = scored(hc_dev, "hc_dev")
        data["dav_dev"] = scored(dav_dev, "dav_dev")
        spans, wins = [], []
        for d in document_paragraphs():
            ws = sentence_windows(d, WINDOW_CHARS)
            spans.append((len(wins), len(wins) + len(ws)))
            wins.extend(ws)
        doc_z = linear.decision_function(ts.matrix(featurizer, wins))
        data["doc_windows"] = {
            "z": [round(float(v), 5) for v in doc_z],
            "spans": spans,
            # only windows some band could send to the encoder
            "text": [t if p >= LOWEST_BAND else "" for t, p in zip(wins, sigmoid(doc_z), strict=True)],
        }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / (f"fold{args.fold}.json" if args.fold is not None else "final.json")
    path.write_text(json.dumps(data), encoding="utf-8")
    print(f"wrote {path}: {len(data['train']['text'])} training rows", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
