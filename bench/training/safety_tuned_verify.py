"""Check the NumPy encoder with *merged* LoRA updates against the torch model computing them *unmerged*.

    bench/work/train-venv/bin/python bench/training/safety_tuned_verify.py

Runs in the training venv (torch never enters the project's .venv). The torch side is the training
module (`safety_tuned_torch.py`: frozen weights + `x A^T B^T` per adapted layer) loaded with the
shipped factors of `embed_tuned.npz`; the NumPy side is `_safety_embed.MiniLMEncoder` with
`adapter_deltas` merged into the weights, loaded from its file. Compares the sentence embeddings and
the head's logits on the sentences of `safety_embed_verify.py` plus the HateCheck-style pairs below,
fails above 1e-4, and prints the first dimensions of two sentences (pinned in the tests).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from safety_embed_verify import SENTENCES
from safety_tuned_torch import TARGETS, TunedMiniLM, pad
from train_safety_tuned import MODELS, model_dir

TOLERANCE = 1e-4
PAIRS = [
    "I hate Muslims.",
    "I love Muslims.",
    "Women are disgusting.",
    "Women are wonderful.",
    "Gay people are a plague.",
    "Saying that gay people are a plague is hateful.",
    "I will never believe that immigrants are vermin.",
    "Immigrants are vermin.",
]
PINNED = ["I hate Muslims.", "I love Muslims."]


def _project_module() -> Any:
    """`_safety_embed` loaded from its file (no other DataHarbor dependency needed in this venv)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    path = MODELS.parents[1] / "pipeline" / "stages" / "_safety_embed.py"
    spec = importlib.util.spec_from_file_location("safety_embed_under_test", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> int:
    torch.set_num_threads(1)
    facts = json.loads((MODELS / "embed_tuned.json").read_text(encoding="utf-8"))
    lora = facts["lora"]
    with np.load(MODELS / "embed_tuned.npz") as data:
        arrays = {k: data[k] for k in data.files}
    # the shipped B has the scale folded in: alpha = rank gives scale 1
    model = TunedMiniLM(model_dir(), set(lora["targets"]), lora["rank"], float(lora["rank"]), lora["first_layer"])
    for i, layer in enumerate(model.layers):
        for short, dense in layer.dense.items():
            name = f"encoder.layer.{i}.{TARGETS[short]}.weight"
            if dense.rank:
                dense.lora_a.data = torch.from_numpy(arrays[name + ".lora_a"].astype(np.float32))
                dense.lora_b.data = torch.from_numpy(arrays[name + ".lora_b"].astype(np.float32))
    head, bias = arrays["head"].astype(np.float32), float(arrays["bias"])
    model.head.weight.data = torch.from_numpy(head[None, :])
    model.head.bias.data = torch.tensor([bias])
    model.eval()

    texts = SENTENCES + PAIRS
    module = _project_module()
    factors = {k: v for k, v in arrays.items() if k.endswith((".lora_a", ".lora_b"))}
    encoder = module.MiniLMEncoder.load(model_dir(), deltas=module.adapter_deltas(factors))
    ours = np.asarray(encoder.encode(texts))

    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(module.MAX_TOKENS)
    reference = np.zeros_like(ours)
    with torch.no_grad():
        for i, text in enumerate(texts):  # one at a time: no padding on the reference side
            ids, mask = pad([tokenizer.encode(text).ids])
            reference[i] = model.embed_from(model.prefix(ids, mask), mask).numpy()[0]
    diff = np.abs(ours - reference).max(axis=1)
    logit_diff = np.abs(ours @ head - reference @ head)
    for d, text in zip(diff, texts, strict=True):
        print(f"{d:.2e}  {text[:70]!r}")
    worst = float(diff.max())
    print(f"{len(texts)} sentences: max abs diff {worst:.2e}, head logits max abs diff {logit_diff.max():.2e}")
    for text in PINNED:
        i = texts.index(text)
        print(
            f"{text!r}: {[round(float(v), 7) for v in reference[i, :8]]} logit {float(reference[i] @ head + bias):.5f}"
        )
    return 0 if worst < TOLERANCE and float(logit_diff.max()) < TOLERANCE * 10 else 1


if __name__ == "__main__":
    sys.exit(main())
