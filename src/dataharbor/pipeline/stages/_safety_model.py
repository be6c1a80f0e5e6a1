"""The built-in safety model: hashed features + logistic regression, weights in a plain `.npz`.

No pickles: the weights are one float16 vector and a bias; the lexicons are gzip text files.
Texts are cut into sentence-sized windows (what the model was trained and calibrated on); a text's
score aggregates its window scores (`aggregate`): the maximum for short texts, the mean of the most toxic
windows for long ones, so a long benign document is not flagged for one false alarm.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from dataharbor.pipeline.stages._safety_features import HASH_DIM, N_DENSE, Featurizer, sentence_windows
from dataharbor.pipeline.stages._safety_lexicon import matcher_for, read_lexicon

# a long sentence: close to the length of the training texts (tweets, test cases)
WINDOW_CHARS = 300
# windows featurised together: bounds the temporary arrays (~1 MB of n-gram hashes per 100 windows)
_FEATURE_SLICE = 512


def builtin_dir() -> Path:
    return Path(str(resources.files("dataharbor") / "models" / "safety"))


@dataclass(frozen=True, slots=True)
class Score:
    toxicity: float  # the document's score (see `aggregate`)
    lexicon_hits: int
    max_window: float = 0.0  # the most toxic window's score
    windows: int = 1
    windows_over: int = 0  # windows at or above the model's threshold


def aggregate(probs: list[float], how: str) -> float:
    """A document score from its window scores.

    `max` lets one sentence decide (right for short records, noisy on long ones: a long benign
    document has many chances of one false alarm). `topk` averages the k = ceil(sqrt(n)) most toxic
    windows, so one window decides a short text while a long text needs several toxic windows.
    """
    if how == "max" or len(probs) == 1:
        return max(probs)
    k = math.ceil(math.sqrt(len(probs)))
    return sum(sorted(probs, reverse=True)[:k]) / k


def read_words(path: Path) -> frozenset[str]:
    """One word (or term) a line, gzip text."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def read_valence(path: Path) -> dict[str, float]:
    """`word<TAB>valence` lines (VADER scale, -4..4)."""
    out: dict[str, float] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            word, _, value = line.rstrip("\n").partition("\t")
            if value:
                out[word] = float(value)
    return out


def read_cues(path: Path) -> dict[str, str]:
    """`marker<TAB>word` lines → word → marker."""
    out: dict[str, str] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            marker, _, word = line.rstrip("\n").partition("\t")
            if word:
                out[word] = marker
    return out


def load_featurizer(directory: Path) -> Featurizer:
    vocabulary = directory / "vocabulary.txt.gz"
    return Featurizer(
        matcher_for(read_lexicon(directory / "lexicon.txt.gz")),
        read_words(directory / "identities.txt.gz"),
        read_valence(directory / "valence.txt.gz"),
        read_cues(directory / "cues.txt.gz"),
        read_words(vocabulary) if vocabulary.is_file() else frozenset(),
    )


class LinearSafetyModel:
    """Scores texts in [0, 1]; `meta` carries the default threshold and training facts."""

    def __init__(
        self, weights: npt.NDArray[np.float32], bias: float, featurizer: Featurizer, meta: dict[str, Any]
    ) -> None:
        if weights.shape != (HASH_DIM + N_DENSE,):
            raise ValueError(f"safety weights have shape {weights.shape}, expected {(HASH_DIM + N_DENSE,)}")
        self.weights = weights
        self.bias = bias
        self.featurizer = featurizer
        self.meta = meta

    @classmethod
    def load(cls, directory: Path) -> LinearSafetyModel:
        with np.load(directory / "weights.npz", allow_pickle=False) as data:
            weights = data["weights"].astype(np.float32)
            bias = float(data["bias"])
        meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        return cls(weights, bias, load_featurizer(directory), meta)

    @property
    def threshold(self) -> float:
        return float(self.meta["threshold"])

    def margin(self, text: str) -> tuple[float, int]:
        """Linear score (log-odds) of one window and its lexicon hits."""
        f = self.featurizer.features(text)
        return self.bias + float(np.dot(self.weights[f.indices], f.values)), f.lexicon_hits

    def margins(self, windows: Sequence[str]) -> list[tuple[float, int]]:
        """`margin` of each window, bit for bit, featurised together in slices."""
        out: list[tuple[float, int]] = []
        for start in range(0, len(windows), _FEATURE_SLICE):
            batch = self.featurizer.features_many(windows[start : start + _FEATURE_SLICE])
            weights = self.weights[batch.indices]
            bounds = batch.bounds.tolist()
            for i, hits in enumerate(batch.lexicon_hits):
                a, b = bounds[i], bounds[i + 1]
                # one dot product per window, over the same numbers in the same order as `margin`'s
                out.append((self.bias + float(np.dot(weights[a:b], batch.values[a:b])), hits))
        return out

    def window_scores(self, windows: Sequence[str]) -> list[tuple[float, int]]:
        """(probability, lexicon hits) of each window."""
        return [(float(1.0 / (1.0 + np.exp(-z))), hits) for z, hits in self.margins(windows)]

    def score(self, text: str, how: str = "topk") -> Score:
        return self.score_many([text], how)[0]

    def score_many(self, texts: Sequence[str], how: str = "topk", memo: WindowMemo | None = None) -> list[Score]:
        """`score` of each text; the windows of all texts are scored together, each distinct window once.

        `memo` carries window scores from one call to the next (the same lines recur across a site's pages)."""
        per_text = [sentence_windows(text, WINDOW_CHARS) if text.strip() else [] for text in texts]
        known: dict[str, tuple[float, int]] = {}
        if memo is not None:
            known.update((w, memo[w]) for windows in per_text for w in windows if w in memo)
        todo = list(dict.fromkeys(w for windows in per_text for w in windows if w not in known))
        scored = list(zip(todo, self.window_scores(todo), strict=True))
        known.update(scored)
        if memo is not None:
            memo.update(scored)
        return [self._aggregate([known[w] for w in windows], how) for windows in per_text]

    def _aggregate(self, scored: list[tuple[float, int]], how: str) -> Score:
        if not scored:
            return Score(0.0, 0)
        probs = [p for p, _ in scored]
        hits = sum(h for _, h in scored)
        over = sum(p >= self.threshold for p in probs)
        return Score(aggregate(probs, how), hits, max(probs), len(probs), over)


class WindowMemo:
    """Window text → (probability, lexicon hits), bounded by the characters it holds.

    It holds text, so its owner (one stage, built per job) drops it with the job: a process never keeps one
    dataset's lines for another job."""

    def __init__(self, max_chars: int = 1 << 22) -> None:
        self.max_chars = max_chars
        self._scores: dict[str, tuple[float, int]] = {}
        self._chars = 0

    def __contains__(self, window: str) -> bool:
        return window in self._scores

    def __getitem__(self, window: str) -> tuple[float, int]:
        return self._scores[window]

    def update(self, scored: Iterable[tuple[str, tuple[float, int]]]) -> None:
        for window, value in scored:
            if self._chars + len(window) > self.max_chars:  # start afresh: simple, and bounded
                self.clear()
            self._scores[window] = value
            self._chars += len(window)

    def clear(self) -> None:
        self._scores.clear()
        self._chars = 0


@cache
def builtin_model() -> LinearSafetyModel:
    """The shipped model, loaded once per process."""
    return LinearSafetyModel.load(builtin_dir())
