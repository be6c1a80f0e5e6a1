"""Bounded streaming summaries: fixed-bin histograms, running moments, reservoir samples.

An audit reads a version once, in batches; everything it keeps has a size fixed in advance, so memory does not
grow with the version.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# One set of edges fits both shares (0..1) and counts/lengths: tenths up to 1, then roughly logarithmic.
SIGNAL_EDGES: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0,
                                  100.0, 1000.0, 10000.0)  # fmt: skip
SCORE_EDGES: tuple[float, ...] = tuple(i / 10 for i in range(11))  # scores in [0, 1]
LENGTH_EDGES: tuple[float, ...] = (0, 10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000, 1_000_000)


@dataclass(slots=True)
class Histogram:
    """Counts in fixed bins [edges[i], edges[i+1]); values below the first edge or at/over the last go to the
    under/overflow bins. Also the count, sum, min and max."""

    edges: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    n: int = 0
    total: float = 0.0
    low: float = math.inf
    high: float = -math.inf

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.edges) + 1)

    def add(self, value: float) -> None:
        if value != value:  # NaN: not a measurement
            return
        self.counts[bisect.bisect_right(self.edges, value)] += 1
        self.n += 1
        self.total += value
        self.low = min(self.low, value)
        self.high = max(self.high, value)

    def add_many(self, values: Iterable[float]) -> None:
        """`add` each value in turn (the same counts, and the same sum, added in the same order), in one call."""
        counts, edges, bisect_right = self.counts, self.edges, bisect.bisect_right
        n, total, low, high = self.n, self.total, self.low, self.high
        for value in values:
            if value != value:
                continue
            counts[bisect_right(edges, value)] += 1
            n += 1
            total += value
            if value < low:  # min()/max() keep the first of equal values (0.0 and -0.0): so do these
                low = value
            if value > high:
                high = value
        self.n, self.total, self.low, self.high = n, total, low, high

    def to_dict(self) -> dict[str, Any]:
        labels = [f"< {_num(self.edges[0])}"]
        labels += [f"{_num(a)}–{_num(b)}" for a, b in zip(self.edges, self.edges[1:], strict=False)]
        labels.append(f"≥ {_num(self.edges[-1])}")
        bins = [{"bin": label, "count": c} for label, c in zip(labels, self.counts, strict=True)]
        # under/overflow bins are shown only when something fell in them
        if not bins[0]["count"]:
            bins = bins[1:]
        if bins and not bins[-1]["count"]:
            bins = bins[:-1]
        return {
            "n": self.n,
            "mean": round(self.total / self.n, 4) if self.n else None,
            "min": round(self.low, 4) if self.n else None,
            "max": round(self.high, 4) if self.n else None,
            "bins": bins,
        }


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


class Reservoir(Generic[T]):
    """A uniform random sample of at most `size` items from a stream of unknown length (Algorithm R)."""

    def __init__(self, size: int, seed: int = 0) -> None:
        self.size = size
        self.items: list[T] = []
        self.seen = 0
        self._rng = random.Random(seed)

    def add(self, item: T) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
            return
        j = self._rng.randrange(self.seen)
        if j < self.size:
            self.items[j] = item


class Examples:
    """The first few examples of one kind: record ids, and short excerpts when the dataset allows them."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.items: list[dict[str, str]] = []

    def add(self, item: dict[str, str]) -> None:
        if len(self.items) < self.limit:
            self.items.append(item)
