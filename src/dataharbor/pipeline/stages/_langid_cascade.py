"""fastText first, lingua only where fastText is unsure: most of lingua's accuracy at a fraction of its cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from dataharbor.pipeline.stages import _langid_thresholds as tuned
from dataharbor.pipeline.stages import _langid_tiny_thresholds as tuned_tiny
from dataharbor.pipeline.stages._langid_fasttext import FastTextLangId, Scores
from dataharbor.pipeline.stages._langid_lingua import LinguaLangId
from dataharbor.pipeline.stages._langid_tiny import TinyLangId

LinguaScope = Literal["all", "candidates", "rerank"]
UND = "und"


@dataclass(frozen=True, slots=True)
class Guess:
    lang: str
    confidence: float
    method: str  # "fasttext" | "tiny" | "lingua" | "none"


@dataclass(frozen=True, slots=True)
class CascadeConfig:
    """How the cascade decides; the defaults were tuned on half of lingua's test sentences.

    `accept`: per fastText label, the probability from which fastText's answer is kept as is.
    `default_accept`: the same for labels lingua also knows but that tuning never saw.
    `outside_accept`: for labels lingua cannot output (e.g. gl, oc): below it lingua still gets a say.
    `lingua_scope`: "all" asks lingua over its 75 languages; "candidates" only over fastText's
    top `top_k`, the languages fastText is known to confuse its answer with, and the declared ones;
    "rerank" first asks lingua's cheap low-accuracy mode over all languages for its top 3, then the
    high-accuracy mode over those, fastText's top 2 and the declared languages.
    `tiny_accept`: per label of the UDHR n-gram model (asked only where fastText is unsure), the
    probability from which its answer is kept without lingua; `tiny_default_accept` for the others
    (above 1 = never). `tiny=False` skips that step.
    """

    accept: dict[str, float]
    default_accept: float = tuned.DEFAULT_ACCEPT
    outside_accept: float = tuned.OUTSIDE_ACCEPT
    lingua_scope: LinguaScope = "rerank"
    top_k: int = 3
    parallel: bool = False
    tiny: bool = True
    tiny_accept: dict[str, float] | None = None  # None: the tuned TINY_ACCEPT
    tiny_default_accept: float = tuned_tiny.TINY_DEFAULT_ACCEPT


class LangIdCascade:
    def __init__(
        self,
        config: CascadeConfig,
        fasttext_model: str = "",
        *,
        low_accuracy: bool = False,
        lingua_max_models: int | None = None,
    ) -> None:
        self.config = config
        self.fast = FastTextLangId(fasttext_model)
        # the deciding detectors' models are what grows; the coarse step's trigrams are loaded once for all
        self.lingua = LinguaLangId(low_accuracy=low_accuracy, max_models=lingua_max_models)
        self._coarse = LinguaLangId(low_accuracy=True) if config.lingua_scope == "rerank" else None
        self.tiny = TinyLangId() if config.tiny else None
        self._tiny_accept = tuned_tiny.TINY_ACCEPT if config.tiny_accept is None else config.tiny_accept

    def classify_many(self, texts: Sequence[str], declared: Sequence[str] = ()) -> list[Guess]:
        guesses: list[Guess | None] = []
        unsure: list[tuple[int, Scores]] = []
        for i, text in enumerate(texts):
            top = self.fast.predict(text, k=5)
            guess = self.accept_fasttext(top)
            guesses.append(guess)
            if guess is None:
                unsure.append((i, top))
        if self.tiny is not None and unsure:
            # the n-gram model is ~30x cheaper than lingua: only what it is unsure of goes on
            still: list[tuple[int, Scores]] = []
            for (i, top), small in zip(unsure, self.tiny.scores_many([texts[i] for i, _ in unsure]), strict=True):
                guesses[i] = self._accept_tiny(small)
                if guesses[i] is None:
                    still.append((i, top))
            unsure = still
        for (i, top), scores in zip(unsure, self._ask_lingua(texts, unsure, declared), strict=True):
            guesses[i] = self._from_lingua(top, scores)
        if unsure:
            self.lingua.release(keep=declared)  # per batch, not per text: a batch's languages stay loaded
        return [g if g is not None else Guess(UND, 0.0, "none") for g in guesses]

    def accept_fasttext(self, top: Scores) -> Guess | None:
        """fastText's answer where it reaches its label's threshold; None: ask further."""
        if not top:
            return Guess(UND, 0.0, "none")
        lang, p = top[0]
        known = lang in self.lingua.languages
        threshold = self.config.accept.get(lang, self.config.default_accept) if known else self.config.outside_accept
        return Guess(lang, round(p, 4), "fasttext") if p >= threshold else None

    def _accept_tiny(self, small: Scores) -> Guess | None:
        if not small:
            return None
        lang, p = small[0]
        threshold = self._tiny_accept.get(lang, self.config.tiny_default_accept)
        return Guess(lang, round(p, 4), "tiny") if p >= threshold else None

    def _ask_lingua(
        self, texts: Sequence[str], unsure: list[tuple[int, Scores]], declared: Sequence[str]
    ) -> list[Scores]:
        if self.config.lingua_scope == "all":
            if self.config.parallel and len(unsure) > 1:
                return self.lingua.scores_many([texts[i] for i, _ in unsure])
            return [self.lingua.scores(texts[i]) for i, _ in unsure]
        if self._coarse is not None:
            coarse = self._coarse
            return [
                self.lingua.scores(texts[i], self._rerank(coarse.scores(texts[i]), top, declared)) for i, top in unsure
            ]
        return [self.lingua.scores(texts[i], self._candidates(top, declared)) for i, top in unsure]

    @staticmethod
    def _rerank(coarse: Scores, top: Scores, declared: Sequence[str]) -> set[str]:
        return {lang for lang, _ in coarse[:3]} | {lang for lang, _ in top[:2]} | set(declared)

    def _candidates(self, top: Scores, declared: Sequence[str]) -> set[str]:
        found = {lang for lang, _ in top[: self.config.top_k]}
        found.update(tuned.CONFUSABLE.get(top[0][0], ()) if top else ())
        found.update(declared)
        return found

    def _from_lingua(self, top: Scores, scores: Scores) -> Guess:
        if scores:
            lang, confidence = scores[0]
            return Guess(lang, round(confidence, 4), "lingua")
        # lingua found no letters it knows (digits, symbols): keep fastText's weak answer
        if top:
            return Guess(top[0][0], round(top[0][1], 4), "fasttext")
        return Guess(UND, 0.0, "none")
