"""safety: a toxicity / hate score per record; flags (default) or drops what scores above a threshold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from dataharbor.domain.record import Record
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import Stage, StageContext, register_stage
from dataharbor.pipeline.stages._langid_cascade import UND
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

    `model="builtin+embed"` re-scores the windows the compact model doubts with a fine-tuned English
    sentence encoder (the `safety-embed` extra). It reads English only, so records whose detected language
    (`annotations["language"]["lang"]`) is known and not in `embed_languages` are scored by the compact,
    multilingual model alone, with its own default threshold; `embed_languages=None` sends every record to
    the cascade. The annotation then says which model scored the record (`model`).
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
        embed_languages: Sequence[str] | None = ("en",),
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
        if embed_languages is not None and (
            isinstance(embed_languages, str) or not all(isinstance(code, str) for code in embed_languages)
        ):
            raise ConfigError(
                f"safety parameter 'embed_languages' has value {embed_languages!r}; expected a list of language "
                "codes or null",
                stage=self.name,
            )
        self.aggregate = aggregate
        self.model = model
        self.embed_languages = None if embed_languages is None else sorted(set(embed_languages))
        self.threshold = threshold
        self.drop = drop
        self._scorer: SafetyScorer | None = None
        # builtin+embed: the compact model for records in languages the encoder does not read
        self._fallback: LinearSafetyModel | None = None
        # scores of windows seen earlier in this job (repeated lines of a site: menus, footers, notes), one
        # memory per model: the two give a window different probabilities
        self._memo = WindowMemo()
        self._fallback_memo = WindowMemo()

    def setup(self) -> None:
        if self.model == "builtin":
            self._scorer = builtin_model()
        elif self.model == "builtin+embed":  # + MiniLM re-scoring of doubtful windows (optional: _safety_embed.py)
            from dataharbor.pipeline.stages._safety_embed_model import builtin_cascade_model

            self._scorer = builtin_cascade_model()
            self._fallback = builtin_model()
        else:
            from dataharbor.pipeline.stages._safety_hf import HFSafetyModel

            self._scorer = HFSafetyModel(self.model)
        # window scores and the token memory hold text: a process that runs several jobs starts each afresh
        self.close()

    def close(self) -> None:
        self._memo.clear()
        self._fallback_memo.clear()
        if isinstance(self._scorer, LinearSafetyModel):  # its featurizer is shared by the process (one model)
            self._scorer.featurizer.forget()

    def process(self, batch: Sequence[Record]) -> None:
        self.ensure_setup()
        assert self._scorer is not None
        if self._fallback is None:
            self._annotate(batch, self._scorer, self._memo, None)
            return
        # builtin+embed: records the encoder reads, and the others with the compact model
        ours = [record for record in batch if self._for_encoder(record)]
        others = [record for record in batch if not self._for_encoder(record)]
        self._annotate(ours, self._scorer, self._memo, self.model)
        self._annotate(others, self._fallback, self._fallback_memo, "builtin")

    def _annotate(self, records: Sequence[Record], model: SafetyScorer, memo: WindowMemo, name: str | None) -> None:
        """Scores `records` with `model` (its default threshold unless one is set); `name` goes into the
        annotation as `model` when the stage routes between two."""
        if not records:
            return
        texts = [record.text for record in records]
        if isinstance(model, LinearSafetyModel):
            scores = model.score_many(texts, self.aggregate, memo)
        else:
            scores = [model.score(text, self.aggregate) for text in texts]
        threshold = self.threshold if self.threshold is not None else model.threshold
        for record, s in zip(records, scores, strict=True):
            flagged = s.toxicity >= threshold
            annotation: dict[str, object] = {
                "toxicity": round(s.toxicity, 4),
                "flagged": flagged,
                "lexicon_hits": s.lexicon_hits,
                "max_window": round(s.max_window, 4),
                "windows": s.windows,
                "windows_over": s.windows_over,
            }
            if name is not None:
                annotation["model"] = name
            record.annotations[self.name] = annotation
            if flagged and self.drop:
                record.drop(self.name, "toxic")

    def _for_encoder(self, record: Record) -> bool:
        """Whether the cascade's encoder reads this record: its language is one it was trained on, or unknown."""
        if self.embed_languages is None:
            return True
        language = record.annotations.get("language")
        lang = language.get("lang") if isinstance(language, dict) else None
        return not lang or lang == UND or lang in self.embed_languages
