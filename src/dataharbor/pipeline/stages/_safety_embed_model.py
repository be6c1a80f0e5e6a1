"""Fine-tuned MiniLM cascade of the built-in safety model: MiniLM re-scores the windows the linear model doubts.

The linear model scores every window; a window whose linear probability reaches `band_low` is
scored again as `sigmoid(head · e + margin_weight · z + bias)`, where `e` is the
window's all-MiniLM-L6-v2 sentence embedding *from the fine-tuned encoder* (LoRA updates merged into
the base weights at load) and `z` the linear log-odds. Encoder updates and head were trained
together (`bench/training/train_safety_tuned.py`), so the encoder reads what is said about a group
("I love X" vs "I hate X") rather than which words occur. Clear negatives (nearly all real text)
never reach the encoder, which keeps the cost to a few windows in a thousand.
Shipped as `embed_tuned.npz` (adapter factors, head) and `embed_tuned.json` (band, threshold, facts).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from dataharbor.pipeline.stages._safety_embed import DIM, MiniLMEncoder, adapter_deltas, model_dir
from dataharbor.pipeline.stages._safety_model import LinearSafetyModel, builtin_dir, builtin_model

COMBINER = "embed_tuned.npz"
META = "embed_tuned.json"

F64 = npt.NDArray[np.float64]


def _sigmoid(z: F64) -> F64:
    out: F64 = 1.0 / (1.0 + np.exp(-z))
    return out


@dataclass(frozen=True, slots=True)
class EmbeddingCascade:
    weights: npt.NDArray[np.float32]  # (384,) head over the (tuned) embedding
    margin_weight: float  # over the linear log-odds
    bias: float
    band_low: float  # linear probability from which a window is re-scored
    threshold: float  # the cascade's default threshold (replaces the linear model's)

    @classmethod
    def load(cls, directory: Path) -> EmbeddingCascade:
        meta = json.loads((directory / META).read_text(encoding="utf-8"))
        missing = [key for key in ("band_low", "threshold") if key not in meta]
        if missing:
            raise ValueError(f"{directory / META} lacks {', '.join(missing)}: the model files are damaged")
        with np.load(directory / COMBINER, allow_pickle=False) as data:
            weights = data["head"].astype(np.float32)
            margin_weight, bias = float(data["margin_weight"]), float(data["bias"])
        if weights.shape != (DIM,):
            raise ValueError(f"{COMBINER} has weights of shape {weights.shape}, expected ({DIM},)")
        return cls(weights, margin_weight, bias, float(meta["band_low"]), float(meta["threshold"]))

    def combine(self, embeddings: npt.NDArray[np.float32], margins: F64) -> F64:
        """Probabilities of the combiner for embedded windows and their linear log-odds."""
        z = embeddings.astype(np.float64) @ self.weights.astype(np.float64)
        return _sigmoid(z + self.margin_weight * margins + self.bias)

    def probabilities(self, windows: Sequence[str], margins: Sequence[float]) -> list[float]:
        """Window probabilities: the linear one outside the band, the combiner's inside it."""
        z = np.asarray(margins, dtype=np.float64)
        p = _sigmoid(z)
        doubtful = np.flatnonzero(p >= self.band_low)
        if doubtful.size:
            embeddings = tuned_encoder().encode([windows[i] for i in doubtful.tolist()])
            p[doubtful] = self.combine(embeddings, z[doubtful])
        return [float(v) for v in p]


class CascadeSafetyModel(LinearSafetyModel):
    """The linear model with the embedding cascade on top: same windows, features and aggregation;
    doubtful windows get the combiner's probability, and the threshold is the cascade's."""

    def __init__(self, linear: LinearSafetyModel, cascade: EmbeddingCascade) -> None:
        meta = {**linear.meta, "threshold": cascade.threshold, "linear_threshold": linear.threshold}
        super().__init__(linear.weights, linear.bias, linear.featurizer, meta)
        self.cascade = cascade

    def window_scores(self, windows: Sequence[str]) -> list[tuple[float, int]]:
        margins = self.margins(windows)
        probs = self.cascade.probabilities(windows, [z for z, _ in margins])
        return [(p, hits) for p, (_, hits) in zip(probs, margins, strict=True)]


def load_deltas(directory: Path) -> dict[str, npt.NDArray[np.float32]]:
    """The encoder's weight updates from the shipped LoRA factors."""
    with np.load(directory / COMBINER, allow_pickle=False) as data:
        return adapter_deltas({k: data[k] for k in data.files if k.endswith((".lora_a", ".lora_b"))})


@cache
def tuned_encoder() -> MiniLMEncoder:
    """The fine-tuned encoder (base weights + shipped updates), loaded once per process on the first doubtful window."""
    return MiniLMEncoder.load(deltas=load_deltas(builtin_dir()))


def has_cascade(directory: Path) -> bool:
    return (directory / META).is_file() and (directory / COMBINER).is_file()


@cache
def builtin_cascade_model() -> CascadeSafetyModel:
    """The shipped linear model with the shipped cascade (`model: builtin+embed`), loaded once per process;
    the encoder itself loads on the first doubtful window."""
    directory = builtin_dir()
    if not has_cascade(directory):
        raise FileNotFoundError(
            f"the safety model's cascade files ({COMBINER}, {META}) are missing from {directory}: the installed "
            "dataharbor package is incomplete; reinstall it"
        )
    model_dir()  # fail now, with the install line, when the encoder's package is missing
    return CascadeSafetyModel(builtin_model(), EmbeddingCascade.load(directory))
