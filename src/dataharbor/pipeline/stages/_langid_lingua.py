"""The accurate second step of language ID: lingua, over all its languages or a few candidates."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from dataharbor.errors import MissingExtra

Scores = list[tuple[str, float]]

_MAX_DETECTORS = 512  # restricted detectors are cheap to build; lingua shares the models between them


def _lingua() -> Any:
    try:
        import lingua
    except ImportError as exc:
        raise MissingExtra("language identification", "lingua-language-detector") from exc
    return lingua


class LinguaLangId:
    """lingua's confidence values, as ISO 639-1 codes.

    `scores(text)` uses one detector over all 75 languages (~1.2 GB once every model is loaded);
    `scores(text, candidates)` uses a detector over the candidates only: its cost grows with the
    number of languages, and only the models of languages actually asked for are ever loaded.
    Models load lazily on first use and are shared between detectors of one process.
    """

    def __init__(self, *, low_accuracy: bool = False) -> None:
        self._lib = _lingua()
        self._low_accuracy = low_accuracy
        self._codes: dict[str, Any] = {lang.iso_code_639_1.name.lower(): lang for lang in self._lib.Language.all()}
        self._full: Any = None
        self._restricted: OrderedDict[frozenset[str], Any] = OrderedDict()

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self._codes)

    def scores(self, text: str, candidates: Iterable[str] | None = None) -> Scores:
        return self._convert(self._detector(candidates).compute_language_confidence_values(text))

    def scores_many(self, texts: Sequence[str]) -> list[Scores]:
        """All-language scores for many texts, spread over every core (lingua's rayon pool)."""
        values = self._detector(None).compute_language_confidence_values_in_parallel(list(texts))
        return [self._convert(v) for v in values]

    def _convert(self, values: Any) -> Scores:
        return [(v.language.iso_code_639_1.name.lower(), float(v.value)) for v in values[:5]]

    def _detector(self, candidates: Iterable[str] | None) -> Any:
        if candidates is None:
            if self._full is None:
                self._full = self._build(self._lib.LanguageDetectorBuilder.from_all_languages())
            return self._full
        key = frozenset(c for c in candidates if c in self._codes)
        if len(key) < 2:  # a one-language detector would always answer that language
            return self._detector(None)
        detector = self._restricted.get(key)
        if detector is None:
            builder = self._lib.LanguageDetectorBuilder.from_languages(*(self._codes[c] for c in key))
            detector = self._restricted[key] = self._build(builder)
            if len(self._restricted) > _MAX_DETECTORS:
                self._restricted.popitem(last=False)
        else:
            self._restricted.move_to_end(key)
        return detector

    def _build(self, builder: Any) -> Any:
        if self._low_accuracy:
            builder = builder.with_low_accuracy_mode()
        return builder.build()
