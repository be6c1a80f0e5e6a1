"""The one config shared by the dedup steps (`minhash` signs records, `dedup` finds duplicates)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from dataharbor.errors import ConfigError

NORMALISATION_VERSION = "n1"  # bump when `fold_text` changes: exact hashes are stored persistently


@dataclass(frozen=True)
class DedupConfig:
    """How records are shingled, sketched and banded.

    `word_ngram`: shingle size in words (3 = a shingle is 3 consecutive normalised words).
    `char_ngram`: shingle size in characters for scripts written without spaces (CJK, Thai…).
    `num_perm`: MinHash signature length; `seed`: MinHash seed.
    `threshold`: estimated Jaccard similarity of shingle sets at or above which two records
    are near duplicates. `bands` × (num_perm // bands) rows: the LSH banding that proposes
    candidates; every candidate is then verified against `threshold`.
    """

    # tuned on planted edits (bench/accuracy/neardup.py, tuning split): 3-word shingles at 0.65
    # catch 2-5% of words changed; 32 bands x 4 rows propose 99.8% of pairs at Jaccard 0.65
    word_ngram: int = 3
    char_ngram: int = 5
    num_perm: int = 128
    seed: int = 42
    threshold: float = 0.65
    bands: int = 32

    def __post_init__(self) -> None:
        if self.word_ngram < 1 or self.char_ngram < 1:
            raise ConfigError(f"dedup shingle sizes must be >= 1, got {self.word_ngram}/{self.char_ngram}")
        if self.num_perm < 8:
            raise ConfigError(f"dedup num_perm has value '{self.num_perm}'. Expected an integer >= 8.")
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"dedup threshold has value '{self.threshold}'. Expected 0 < threshold <= 1.")
        if not 1 <= self.bands <= self.num_perm:
            raise ConfigError(f"dedup bands has value '{self.bands}'. Expected 1..num_perm ({self.num_perm}).")

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands

    @cached_property
    def scheme(self) -> str:
        """Names everything that makes two signatures comparable; part of every stored band key."""
        from dataharbor.pipeline.stages._dedup_signature import backend_name

        return f"{backend_name()}:p{self.num_perm}:s{self.seed}:w{self.word_ngram}:c{self.char_ngram}"

    def candidate_probability(self, similarity: float) -> float:
        """Probability that LSH proposes a pair of this Jaccard similarity (1 - (1 - s^r)^b)."""
        return float(1.0 - (1.0 - similarity**self.rows) ** self.bands)
