"""all-MiniLM-L6-v2 in torch with LoRA adapters and a logistic head, for fine-tuning the safety cascade.

Training-time only (the training venv has torch; dataharbor never imports this). The module mirrors
the NumPy forward pass of `_safety_embed.py` (post-norm BERT, masked mean pooling, L2 norm) over the
same safetensors weights, so the adapters it learns can be merged into those weights
(`W + B @ A * scale`) and run by NumPy at inference. Layers below `first_layer` get no adapter: their
output does not change during training, so it is computed once (`prefix`) and reused every epoch.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from safetensors.numpy import load_file
from torch import nn

DIM = 384
HEADS = 12
LAYERS = 6
LN_EPS = 1e-12
# adapter targets: short name -> weight name inside a layer
TARGETS = {
    "query": "attention.self.query",
    "key": "attention.self.key",
    "value": "attention.self.value",
    "attn_out": "attention.output.dense",
    "ffn_up": "intermediate.dense",
    "ffn_down": "output.dense",
}


class LoRALinear(nn.Module):
    """A frozen dense layer plus a trainable low-rank update B @ A (B starts at zero)."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray, rank: int, alpha: float, seed: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.from_numpy(weight.copy()), requires_grad=False)  # (out, in)
        self.bias = nn.Parameter(torch.from_numpy(bias.copy()), requires_grad=False)
        self.rank = rank
        self.scale = alpha / rank if rank else 0.0
        if rank:
            g = torch.Generator().manual_seed(seed)
            bound = 1.0 / math.sqrt(weight.shape[1])
            self.lora_a = nn.Parameter((torch.rand(rank, weight.shape[1], generator=g) * 2 - 1) * bound)
            self.lora_b = nn.Parameter(torch.zeros(weight.shape[0], rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = nn.functional.linear(x, self.weight, self.bias)
        if self.rank:
            out = out + (x @ self.lora_a.T @ self.lora_b.T) * self.scale
        return out


class Layer(nn.Module):
    def __init__(self, t: dict[str, np.ndarray], index: int, targets: set[str], rank: int, alpha: float) -> None:
        super().__init__()
        p = f"encoder.layer.{index}."
        self.dense = nn.ModuleDict(
            {
                short: LoRALinear(
                    t[p + name + ".weight"],
                    t[p + name + ".bias"],
                    rank if short in targets else 0,
                    alpha,
                    seed=1000 * index + list(TARGETS).index(short),
                )
                for short, name in TARGETS.items()
            }
        )
        self.ln1 = _layer_norm(t, p + "attention.output.LayerNorm")
        self.ln2 = _layer_norm(t, p + "output.LayerNorm")

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        n, length, _ = x.shape
        head = DIM // HEADS

        def split(h: torch.Tensor) -> torch.Tensor:
            return h.view(n, length, HEADS, head).transpose(1, 2)

        d = self.dense
        q, k, v = split(d["query"](x)), split(d["key"](x)), split(d["value"](x))
        logits = (q / math.sqrt(head)) @ k.transpose(-1, -2) + bias
        context = (logits.softmax(-1) @ v).transpose(1, 2).reshape(n, length, DIM)
        x = self.ln1(d["attn_out"](context) + x)
        return self.ln2(d["ffn_down"](nn.functional.gelu(d["ffn_up"](x))) + x)


def _layer_norm(t: dict[str, np.ndarray], name: str) -> nn.LayerNorm:
    ln = nn.LayerNorm(DIM, eps=LN_EPS)
    ln.weight = nn.Parameter(torch.from_numpy(t[name + ".weight"].copy()), requires_grad=False)
    ln.bias = nn.Parameter(torch.from_numpy(t[name + ".bias"].copy()), requires_grad=False)
    return ln


class TunedMiniLM(nn.Module):
    """Encoder with adapters on `targets` of layers >= first_layer, and a head over the unit embedding."""

    def __init__(self, model_dir: Path, targets: set[str], rank: int, alpha: float, first_layer: int) -> None:
        super().__init__()
        t = {k: v.astype(np.float32) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
        self.word = torch.from_numpy(t["embeddings.word_embeddings.weight"])
        self.position = torch.from_numpy(t["embeddings.position_embeddings.weight"])
        self.type0 = torch.from_numpy(t["embeddings.token_type_embeddings.weight"][0])
        self.ln0 = _layer_norm(t, "embeddings.LayerNorm")
        self.first_layer = first_layer
        self.layers = nn.ModuleList(
            [Layer(t, i, targets if i >= first_layer else set(), rank, alpha) for i in range(LAYERS)]
        )
        self.head = nn.Linear(DIM, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    @staticmethod
    def attention_bias(mask: torch.Tensor) -> torch.Tensor:
        return ((1.0 - mask) * torch.finfo(torch.float32).min)[:, None, None, :]

    @torch.no_grad()
    def prefix(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Hidden states entering `first_layer` (no adapter below it, so fixed during training)."""
        length = ids.shape[1]
        x = self.ln0(self.word[ids] + self.position[:length] + self.type0)
        bias = self.attention_bias(mask)
        for layer in self.layers[: self.first_layer]:
            x = layer(x, bias)
        return x

    def embed_from(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        bias = self.attention_bias(mask)
        for layer in self.layers[self.first_layer :]:
            x = layer(x, bias)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp_min(1e-9)
        return pooled / pooled.norm(dim=1, keepdim=True).clamp_min(1e-12)

    def logits_from(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed_from(x, mask))[:, 0]

    def adapters(self) -> dict[str, np.ndarray]:
        """The factors themselves (A: (r, in), B: (out, r), scale folded into B), smaller than the deltas."""
        out: dict[str, np.ndarray] = {}
        for i, layer in enumerate(self.layers):
            for short, dense in layer.dense.items():
                if dense.rank:
                    name = f"encoder.layer.{i}.{TARGETS[short]}.weight"
                    out[name + ".lora_a"] = dense.lora_a.detach().numpy().astype(np.float32)
                    out[name + ".lora_b"] = (dense.lora_b * dense.scale).detach().numpy().astype(np.float32)
        return out


def pad(batch: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(b) for b in batch)
    ids = torch.zeros(len(batch), length, dtype=torch.long)
    mask = torch.zeros(len(batch), length)
    for i, seq in enumerate(batch):
        ids[i, : len(seq)] = torch.tensor(seq)
        mask[i, : len(seq)] = 1.0
    return ids, mask
