"""Development of the embedding cascade for the safety model, on inner splits only.

    .venv/bin/python bench/training/safety_embed_data.py     # embeddings cache (once, ~10 CPU-min)
    .venv/bin/python bench/training/safety_embed_dev.py --hb 6000

The built-in linear model gives every window a log-odds `z`; windows whose probability lies in the
band [lo, 1] are re-scored by a small logistic regression on [MiniLM embedding, z] (the combiner).
The combiner learns from *out-of-fold* `z` (3-fold here), as it will see at inference a `z` from a
model that never trained on the window.

Inner protocol, as `safety_dev.py`: HateCheck's *training* families split again by family (two
ways); besides, 10 % of the Davidson training tweets (seeded) are held out of every model here and
scored as a tweet-style check. Benign development paragraphs (evaldata/documents, never trained
on) give the paragraph false-flag rate. The held-out HateCheck half, the Davidson 20 % and the
benign evaluation sets are never loaded.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_safety as ts
from safety_dev import document_windows, inner_split
from safety_embed_data import embed_cached
from safety_extra_data import document_paragraphs, holistic_bias_examples

from dataharbor.pipeline.stages._safety_data import Example
from dataharbor.pipeline.stages._safety_model import aggregate, builtin_dir, load_featurizer

F = npt.NDArray[np.float64]


def sigmoid(z: F) -> F:
    out: F = 1.0 / (1.0 + np.exp(-z))
    return out


def oof_margins(x: sparse.csr_matrix, y: npt.NDArray[np.int64], w: F, folds: int, seed: int = 0) -> F:
    """Out-of-fold linear log-odds over the training rows."""
    z = np.zeros(len(y))
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        z[te] = ts.fit(x[tr], y[tr], w[tr]).decision_function(x[te])
    return z


def combiner_inputs(emb: npt.NDArray[np.float32], z: F, z_scale: float) -> F:
    return np.hstack([emb.astype(np.float64), (z / z_scale)[:, None]])


def fit_combiner(x: F, y: npt.NDArray[np.int64], w: F, c: float) -> LogisticRegression:
    clf = LogisticRegression(C=c, solver="lbfgs", max_iter=3000)
    clf.fit(x, y, sample_weight=w)
    return clf


def cascade(z: F, combined: F, lo: float) -> F:
    """Linear probability outside the band, the combiner's inside it."""
    p = sigmoid(z)
    return np.where(p >= lo, combined, p)


def choose_threshold(scores: F, y: npt.NDArray[np.int64], is_benign: npt.NDArray[np.bool_], max_rate: float) -> float:
    """The linear model's threshold rule (`train_safety.best_threshold`) on the cascade's scores."""
    return ts.best_threshold(scores, y, is_benign, max_rate)[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hb", type=int, default=0, help="HolisticBias sentences for the combiner (0 = none)")
    ap.add_argument("--grid-C", type=float, nargs="+", default=[0.3, 1.0, 3.0])
    ap.add_argument("--grid-lo", type=float, nargs="+", default=[0.02, 0.05, 0.1, 0.2])
    ap.add_argument("--grid-dav", type=float, nargs="+", default=[0.03, 0.1])
    ap.add_argument("--grid-hbw", type=float, nargs="+", default=[0.3, 1.0])
    ap.add_argument("--band-train", action="store_true", help="also try combiners trained only on in-band rows")
    args = ap.parse_args(argv)
    t0 = time.process_time()
    featurizer = load_featurizer(builtin_dir())
    dav_train_all, hc_train = ts.training_halves()  # the held-out half is never loaded here
    rng = random.Random(1)
    dav_dev_idx = set(rng.sample(range(len(dav_train_all)), len(dav_train_all) // 10))
    dav_emb_all = embed_cached([e.text for e in dav_train_all], "dav_train")
    dav_tr = [e for i, e in enumerate(dav_train_all) if i not in dav_dev_idx]
    dav_dev = [e for i, e in enumerate(dav_train_all) if i in dav_dev_idx]
    keep = np.array([i not in dav_dev_idx for i in range(len(dav_train_all))])
    udhr, benign = ts.udhr_negatives(), ts.benign_negatives()
    blocks: list[tuple[str, list[Example], float, npt.NDArray[np.float32]]] = [
        ("dav", dav_tr, ts.DAVIDSON_WEIGHT, dav_emb_all[keep]),
        ("udhr", udhr, ts.UDHR_WEIGHT, embed_cached([e.text for e in udhr], "udhr")),
        ("benign", benign, ts.BENIGN_WEIGHT, embed_cached([e.text for e in benign], "benign")),
    ]
    hb = holistic_bias_examples(6000) if args.hb else []
    hb_emb = embed_cached([e.text for e in hb], "holistic_bias") if hb else np.zeros((0, 384), np.float32)
    hb_x = ts.matrix(featurizer, [e.text for e in hb]) if hb else None
    hc_emb = embed_cached([e.text for e in hc_train], "hc_train")
    base_x = sparse.vstack([ts.matrix(featurizer, [e.text for e in b]) for _, b, _, _ in blocks]).tocsr()
    base_y = np.concatenate([[e.label for e in b] for _, b, _, _ in blocks])
    base_w = np.concatenate([np.full(len(b), w) for _, b, w, _ in blocks])
    base_emb = np.vstack([e for *_, e in blocks])
    base_kind = np.concatenate([np.full(len(b), k) for k, b, _, _ in blocks])
    dav_dev_x = ts.matrix(featurizer, [e.text for e in dav_dev])
    dav_dev_y = np.array([e.label for e in dav_dev])
    dav_dev_emb = dav_emb_all[~keep]

    # benign development paragraphs → windows (embedded only where some band could reach them)
    docs = document_paragraphs()
    wins, spans = document_windows(docs)
    doc_x = ts.matrix(featurizer, wins)
    print(f"data ready: {len(base_y)} base rows, {len(docs)} dev paragraphs ({len(wins)} windows)", flush=True)

    folds = []
    for k in range(2):
        inner_tr, inner_dev = inner_split(hc_train, k)
        dev_set = set(inner_dev)
        idx_tr = np.array([i for i, e in enumerate(hc_train) if e not in dev_set])
        idx_dev = np.array([i for i, e in enumerate(hc_train) if e in dev_set])
        x = sparse.vstack([base_x, ts.matrix(featurizer, [e.text for e in inner_tr])]).tocsr()
        y = np.concatenate([base_y, [e.label for e in inner_tr]])
        w = np.concatenate([base_w, np.full(len(inner_tr), ts.HATECHECK_WEIGHT)])
        linear = ts.fit(x, y, w)
        z_oof = oof_margins(x, y, w, 3)
        xd = ts.matrix(featurizer, [e.text for e in inner_dev])
        folds.append(
            {
                "y": y,
                "kind": np.concatenate([base_kind, np.full(len(inner_tr), "hc")]),
                "emb": np.vstack([base_emb, hc_emb[idx_tr]]),
                "z_oof": z_oof,
                "dev_y": np.array([e.label for e in inner_dev]),
                "dev_z": linear.decision_function(xd),
                "dev_emb": hc_emb[idx_dev],
                "davdev_z": linear.decision_function(dav_dev_x),
                "doc_z": linear.decision_function(doc_x),
                "hb_z": linear.decision_function(hb_x) if hb else np.zeros(0),
            }
        )
        print(f"fold {k}: linear fitted, {time.process_time() - t0:.0f} CPU-s", flush=True)
    lo_min = min(args.grid_lo)
    need = sorted({int(i) for f in folds for i in np.flatnonzero(sigmoid(f["doc_z"]) >= lo_min)})
    doc_emb_sub = embed_cached([wins[i] for i in need], f"devdocs-lo{lo_min}")
    doc_emb = np.zeros((len(wins), 384), np.float32)
    doc_emb[need] = doc_emb_sub

    def report(name: str, per_fold: list[tuple[F, F, F, F]]) -> None:
        """per fold: (hc dev scores, dav dev scores, doc window scores, threshold)."""
        aucs = [roc_auc_score(f["dev_y"], s[0]) for f, s in zip(folds, per_fold, strict=True)]
        dav = [roc_auc_score(dav_dev_y, s[1]) for s in per_fold]
        flags, p99s = [], []
        for s in per_fold:
            ds = np.array([aggregate(list(s[2][a:b]), "topk") for a, b in spans])
            flags.append(np.mean(ds >= s[3]))
            p99s.append(np.quantile(ds, 0.99))
        print(
            f"RESULT {name} | HC-inner AUC {np.mean(aucs):.4f} ({' '.join(f'{a:.4f}' for a in aucs)})"
            f" | dav-inner AUC {np.mean(dav):.4f} | dev paragraphs flagged {np.mean(flags):.4f}"
            f" @t {' '.join(f'{s[3]:.2f}' for s in per_fold)} p99 {np.mean(p99s):.3f}",
            flush=True,
        )

    base_rows = []
    for f in folds:
        is_b = f["kind"] == "benign"
        t = choose_threshold(sigmoid(f["z_oof"]), f["y"], is_b, ts.MAX_BENIGN_FLAG_RATE)
        base_rows.append((sigmoid(f["dev_z"]), sigmoid(f["davdev_z"]), sigmoid(f["doc_z"]), t))
    report("linear only (v3 recipe)", base_rows)

    z_scale = 4.0
    band_trains = [False, True] if args.band_train else [False]
    for c, dw, hbw, band_train in itertools.product(
        args.grid_C, args.grid_dav, args.grid_hbw if hb else [0.0], band_trains
    ):
        combiners = []
        for f in folds:
            weights = {"dav": dw, "udhr": ts.UDHR_WEIGHT, "benign": ts.BENIGN_WEIGHT, "hc": ts.HATECHECK_WEIGHT}
            w = np.array([weights[k] for k in f["kind"]])
            xs, ys = combiner_inputs(f["emb"], f["z_oof"], z_scale), f["y"]
            if hb:
                xs = np.vstack([xs, combiner_inputs(hb_emb, f["hb_z"], z_scale)])
                ys = np.concatenate([ys, [e.label for e in hb]])
                w = np.concatenate([w, np.full(len(hb), hbw)])
            sel = np.ones(len(ys), bool)
            if band_train:  # only rows the cascade would send to the combiner (at the lowest band)
                sel[: len(f["z_oof"])] = sigmoid(f["z_oof"]) >= min(args.grid_lo)
            combiners.append((fit_combiner(xs[sel], ys[sel], w[sel], c), xs[: len(f["z_oof"])]))
        for lo in args.grid_lo:
            rows = []
            for f, (comb, x_train) in zip(folds, combiners, strict=True):
                # threshold on the training rows' cascade scores (the combiner in-sample: 385 weights
                # over ~58k rows, close to out-of-fold)
                train_s = cascade(f["z_oof"], comb.predict_proba(x_train)[:, 1], lo)
                t = choose_threshold(train_s, f["y"], f["kind"] == "benign", ts.MAX_BENIGN_FLAG_RATE)

                def score(emb: npt.NDArray[np.float32], z: F, comb: LogisticRegression = comb, lo: float = lo) -> F:
                    return cascade(z, comb.predict_proba(combiner_inputs(emb, z, z_scale))[:, 1], lo)

                rows.append(
                    (score(f["dev_emb"], f["dev_z"]), score(dav_dev_emb, f["davdev_z"]), score(doc_emb, f["doc_z"]), t)
                )
            band_share = np.mean([np.mean(sigmoid(f["doc_z"]) >= lo) for f in folds])
            report(
                f"C={c} dav={dw} hbw={hbw} lo={lo} band_train={band_train} (dev windows in band {band_share:.4f})", rows
            )
    print(f"done, {time.process_time() - t0:.0f} CPU-s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
