"""MiniLM embeddings of the safety training/development texts, cached under bench/work/safety_embed/.

    .venv/bin/python bench/training/safety_embed_data.py   # fills the cache for the training data

Embedding ~60,000 texts costs ~10 CPU-minutes; the cache key is the SHA-256 of the texts, so a
changed data set is embedded again rather than read stale.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_safety as ts
from safety_extra_data import holistic_bias_examples

from dataharbor.pipeline.stages._safety_embed import minilm_encoder

CACHE = Path(__file__).resolve().parents[1] / "work" / "safety_embed"


def embed_cached(texts: Sequence[str], name: str) -> npt.NDArray[np.float32]:
    key = hashlib.sha256("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = CACHE / f"{name}-{len(texts)}-{key}.npy"
    if path.is_file():
        cached: npt.NDArray[np.float32] = np.load(path)
        return cached
    t0 = time.process_time()
    out = minilm_encoder().encode(list(texts))
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    print(f"embedded {name}: {len(texts)} texts, {time.process_time() - t0:.0f} CPU-s", flush=True)
    return out


def main() -> int:
    dav_train, hc_train = ts.training_halves()  # the held-out half is never embedded here
    embed_cached([e.text for e in hc_train], "hc_train")
    embed_cached([e.text for e in holistic_bias_examples(6000)], "holistic_bias")
    embed_cached([e.text for e in ts.benign_negatives()], "benign")
    embed_cached([e.text for e in dav_train], "dav_train")
    embed_cached([e.text for e in ts.udhr_negatives()], "udhr")
    return 0


if __name__ == "__main__":
    sys.exit(main())
