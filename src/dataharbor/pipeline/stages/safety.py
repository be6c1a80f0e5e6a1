"""safety: a toxicity / hate score per record; flags (default) or drops what scores above a threshold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from dataharbor.domain.record import Record
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import Stage, StageContext, register_stage
from dataharbor.pipeline.stages._safety_model import LinearSafetyModel, Score, WindowMemo, builtin_model


class SafetyScorer(Protocol):
    @property
    def threshold(self) -> float: ...

    def score(self, text: str, how: str = "topk") -> Score: ...


@register_stage
class SafetyStage(Stage):
    """Scores each record's text for hateful / toxic content.

    Annotation: `{"toxicity": 0..1, "flagged": bool, "lexicon_hits": int, "max_window": float,
    "windows": int, "windows_over": int}`: `lexicon_hits` counts multilingual bad-word-lexicon terms;
    the last three describe the sentence windows behind the score, which `aggregate` (`topk`, the
    default, or `max`) turns into the document's score. `model="builtin"` is the shipped compact
    model (hashed n-grams + lexicons, numpy only); any other value names a Hugging Face
    text-classification model or local directory (needs the `safety-hf` extra). `threshold=None`
    uses the model's default. With `drop=True`, flagged records are dropped with reason `toxic`.
    """

    name = "safety"
    version = "3"

    def __init__(
        self,
        context: StageContext,
        *,
        model: str = "builtin",
        threshold: float | None = None,
        drop: bool = False,
        aggregate: str = "topk",
    ) -> None:
        super().__init__(context)
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ConfigError(
                f"safety parameter 'threshold' has value {threshold!r}; expected a number in [0, 1]",
                stage=self.name,
            )
        if aggregate not in ("topk", "max"):
            raise ConfigError(
                f"safety parameter 'aggregate' has value {aggregate!r}; expected topk or max", stage=self.name
            )
        self.aggregate = aggregate
        self.model = model
        self.threshold = threshold
        self.drop = drop
        self._scorer: SafetyScorer | None = None
        # scores of windows seen earlier in this job (repeated lines of a site: menus, footers, notes)
        self._memo = WindowMemo()

    def setup(self) -> None:
        if self.model == "builtin":
            self._scorer = builtin_model()
        elif self.model == "builtin+embed":  # + MiniLM re-scoring of doubtful windows (optional: _safety_embed.py)
            from dataharbor.pipeline.stages._safety_embed_model import builtin_cascade_model

            self._scorer = builtin_cascade_model()
        else:
            from dataharbor.pipeline.stages._safety_hf import HFSafetyModel

            self._scorer = HFSafetyModel(self.model)
        # window scores and the token memory hold text: a process that runs several jobs starts each afresh
        self.close()

    def close(self) -> None:
        self._memo.clear()
        if isinstance(self._scorer, LinearSafetyModel):  # its featurizer is shared by the process (one model)
            self._scorer.featurizer.forget()

    @property
    def effective_threshold(self) -> float:
        if self.threshold is not None:
            return self.threshold
        assert self._scorer is not None
        return self._scorer.threshold

    def process(self, batch: Sequence[Record]) -> None:
        self.ensure_setup()
        assert self._scorer is not None
        threshold = self.effective_threshold
        texts = [record.text for record in batch]
        if isinstance(self._scorer, LinearSafetyModel):
            scores = self._scorer.score_many(texts, self.aggregate, self._memo)
        else:
            scores = [self._scorer.score(text, self.aggregate) for text in texts]
        for record, s in zip(batch, scores, strict=True):
            flagged = s.toxicity >= threshold
            record.annotations[self.name] = {
                "toxicity": round(s.toxicity, 4),
                "flagged": flagged,
                "lexicon_hits": s.lexicon_hits,
                "max_window": round(s.max_window, 4),
                "windows": s.windows,
                "windows_over": s.windows_over,
            }
            if flagged and self.drop:
                record.drop(self.name, "toxic")
