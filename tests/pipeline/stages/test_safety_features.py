"""The safety features hashed in one pass per window equal the per-group definition the model was trained
with: every bucket index and value, bit for bit, on real text."""

from __future__ import annotations

import csv

import numpy as np
import numpy.typing as npt

from dataharbor.evaldata import evaldata_dir
from dataharbor.pipeline.stages import _safety_features
from dataharbor.pipeline.stages._safety_features import HASH_DIM, hash_groups, sentence_windows
from dataharbor.pipeline.stages._safety_model import builtin_model

Ints = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


def _mix(h: U64, salt: int) -> Ints:
    """The splitmix64 bucket as first written: one salt per call, folded to 64 bits in Python."""
    z = h + np.uint64((salt * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(HASH_DIM)).astype(np.int64)


def _reference(groups: list[list[tuple[U64, int]]]) -> tuple[Ints, npt.NDArray[np.float32]]:
    """Per group: the sorted distinct buckets of all its orders, each valued 1/sqrt(their number)."""
    idx: list[Ints] = []
    val: list[npt.NDArray[np.float32]] = []
    for group in groups:
        if not group:
            continue
        unique = np.unique(np.concatenate([_mix(h, salt) for h, salt in group]))
        idx.append(unique)
        val.append(np.full(len(unique), 1.0 / np.sqrt(len(unique)), dtype=np.float32))
    if not idx:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    return np.concatenate(idx), np.concatenate(val)


def _texts() -> list[str]:
    """HateCheck's cases, Davidson's tweets, and UDHR windows in many scripts."""
    root = evaldata_dir()
    with open(root / "toxicity" / "hatecheck" / "test_suite_cases.csv", encoding="utf-8") as fh:
        texts = [row["test_case"] for _, row in zip(range(400), csv.DictReader(fh), strict=False)]
    with open(root / "toxicity" / "davidson_hate_offensive" / "labeled_data.csv", encoding="utf-8") as fh:
        texts += [row["tweet"] for _, row in zip(range(400), csv.DictReader(fh), strict=False)]
    for path in sorted((root / "text" / "udhr" / "txt").glob("*.txt"))[::10]:
        texts += sentence_windows(path.read_text(encoding="utf-8")[:1200], 400)
    return [*texts, "", "!!!", "no", "x" * 500]


def test_one_pass_hashing_equals_the_per_group_definition() -> None:
    featurizer = builtin_model().featurizer
    texts = _texts()
    assert len(texts) > 1000
    rng = np.random.default_rng(5)
    for text in texts:
        words = text.split()
        # the groups' inputs need not be the featurizer's own streams for this equality; real words are enough
        groups = hash_groups(words, [w.lower() for w in words][::-1], words[:3], words)
        got = _safety_features._grouped(groups)
        want = _reference(groups)
        assert np.array_equal(got[0], want[0]) and got[0].dtype == want[0].dtype
        assert np.array_equal(got[1], want[1]) and got[1].dtype == want[1].dtype
        full = featurizer.features(text)
        assert full.indices.dtype == np.int64 and full.values.dtype == np.float32
    # random large hashes exercise the 64-bit wrap-around of the salt product
    big = [
        [(rng.integers(0, 2**63, size=50, dtype=np.uint64), 37), (rng.integers(0, 2**63, size=9, dtype=np.uint64), 18)]
    ]
    assert all(np.array_equal(a, b) for a, b in zip(_safety_features._grouped(big), _reference(big), strict=True))
