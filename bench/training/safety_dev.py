"""Development loop for the safety model that never touches the held-out HateCheck half.

    .venv/bin/python bench/training/safety_dev.py --hb 6000 --grid-C 4 10 --grid-dav 0.01 0.003 --grid-hb 1 3

The *training* half of HateCheck's template families is split again by family (salt `dev<k>:`),
two ways; a model is trained on everything the real trainer uses except one inner half and scored on
that half (ROC-AUC, the mean over both halves). Benign development documents (evaldata/documents,
never trained on) are scored as the stage scores records, which gives the paragraph false-flag rate
at a threshold. This is where feature, weight and data choices are made; the held-out HateCheck half
and the benign evaluation sets are looked at once, by bench/accuracy/safety.py, at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_safety as ts
from safety_extra_data import document_paragraphs, genesis_odd_paragraphs, holistic_bias_examples

from dataharbor.pipeline.stages._safety_data import Example
from dataharbor.pipeline.stages._safety_features import Featurizer, sentence_windows
from dataharbor.pipeline.stages._safety_model import WINDOW_CHARS, aggregate, builtin_dir, load_featurizer


def inner_split(examples: Sequence[Example], k: int) -> tuple[list[Example], list[Example]]:
    def side(family: str) -> int:
        return hashlib.sha256(f"dev{k}:{family}".encode()).digest()[0] % 2

    return [e for e in examples if side(e.family) == 0], [e for e in examples if side(e.family) == 1]


def document_windows(docs: Sequence[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """The sentence windows of all `docs` in one list, and each document's span in it."""
    spans: list[tuple[int, int]] = []
    wins: list[str] = []
    for d in docs:
        ws = sentence_windows(d, WINDOW_CHARS)
        spans.append((len(wins), len(wins) + len(ws)))
        wins.extend(ws)
    return wins, spans


def _windows_matrix(featurizer: Featurizer, docs: Sequence[str]) -> tuple[sparse.csr_matrix, list[tuple[int, int]]]:
    """Features of every sentence window of `docs`, and each document's window span."""
    wins, spans = document_windows(docs)
    return ts.matrix(featurizer, wins), spans


def _agg(model: LogisticRegression, xw: tuple[sparse.csr_matrix, list[tuple[int, int]]]) -> np.ndarray:
    """Document scores as the stage computes them (`topk` over window probabilities)."""
    p = model.predict_proba(xw[0])[:, 1]
    return np.array([aggregate(list(p[a:b]), "topk") for a, b in xw[1]])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--artefacts", type=Path, default=builtin_dir())
    ap.add_argument("--hb", type=int, default=0, help="HolisticBias sentences to add")
    ap.add_argument("--benign-weight", type=float, default=ts.BENIGN_WEIGHT)
    ap.add_argument("--folds", type=int, default=2)
    ap.add_argument("--grid-C", type=float, nargs="+", default=[ts.C])
    ap.add_argument("--grid-dav", type=float, nargs="+", default=[ts.DAVIDSON_WEIGHT])
    ap.add_argument("--grid-hb", type=float, nargs="+", default=[0.0], help="HolisticBias weights (0 = left out)")
    args = ap.parse_args(argv)
    t0 = time.process_time()
    featurizer = load_featurizer(args.artefacts)
    dav_train, hc_train = ts.training_halves()  # the held-out half is never loaded here
    blocks: list[tuple[list[Example], float]] = [
        (dav_train, ts.DAVIDSON_WEIGHT),
        (ts.udhr_negatives(), ts.UDHR_WEIGHT),
        (ts.benign_negatives(), args.benign_weight),
    ]
    if args.hb:
        blocks.append((holistic_bias_examples(args.hb), 0.0))
    base_x = sparse.vstack([ts.matrix(featurizer, [e.text for e in b]) for b, _ in blocks]).tocsr()
    base_y = np.concatenate([[e.label for e in b] for b, _ in blocks])
    base_w = np.concatenate([np.full(len(b), w) for b, w in blocks])
    docs = document_paragraphs()
    genesis = genesis_odd_paragraphs(ts.genesis_english())
    is_dav = np.concatenate([np.full(len(b), i == 0) for i, (b, _) in enumerate(blocks)])
    is_hb = np.concatenate([np.full(len(b), bool(args.hb) and i == len(blocks) - 1) for i, (b, _) in enumerate(blocks)])
    folds = []
    for k in range(args.folds):
        inner_tr, inner_dev = inner_split(hc_train, k)
        folds.append(
            (
                ts.matrix(featurizer, [e.text for e in inner_tr]),
                np.array([e.label for e in inner_tr]),
                ts.matrix(featurizer, [e.text for e in inner_dev]),
                inner_dev,
            )
        )
    doc_x = _windows_matrix(featurizer, docs)
    gen_x = _windows_matrix(featurizer, genesis)
    grid = [(c, dw, hw) for c in args.grid_C for dw in args.grid_dav for hw in args.grid_hb]
    for c, dw, hw in grid:
        ts.C = c
        w_base = base_w.copy()
        w_base[is_dav] = dw
        w_base[is_hb] = hw
        aucs, vs_docs, q = [], [], []
        for xi, yi, xd, inner_dev in folds:
            x = sparse.vstack([base_x, xi]).tocsr()
            model = ts.fit(x, np.concatenate([base_y, yi]), np.concatenate([w_base, np.full(len(yi), 1.0)]))
            s = model.predict_proba(xd)[:, 1]
            yd = np.array([e.label for e in inner_dev])
            ds, gs = _agg(model, doc_x), _agg(model, gen_x)
            aucs.append(roc_auc_score(yd, s))
            vs_docs.append(roc_auc_score([1] * int(yd.sum()) + [0] * len(ds), [*s[yd == 1], *ds]))
            q.append((np.quantile(ds, 0.99), np.quantile(gs, 0.99), np.mean(s[yd == 1] >= 0.2)))
        qm = np.mean(q, axis=0)
        print(
            f"RESULT C={c} dav={dw} hb={hw} | HC-dev AUC {np.mean(aucs):.4f} ({' '.join(f'{a:.4f}' for a in aucs)})"
            f" | hateful-vs-docs {np.mean(vs_docs):.4f} | p99 docs {qm[0]:.3f} genesis {qm[1]:.3f}"
            f" | HC-dev hateful recall@0.2 {qm[2]:.3f} | {time.process_time() - t0:.0f} CPU-s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
