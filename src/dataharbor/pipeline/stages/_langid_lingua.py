"""The accurate second step of language ID: lingua, over all its languages or a few candidates."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any

from dataharbor.errors import MissingExtra

Scores = list[tuple[str, float]]

_MAX_DETECTORS = 512  # restricted detectors are cheap to build; lingua shares the models between them
# lingua's high-accuracy mode uses 1- to 5-grams below this many letters in a text, trigrams only from it
_LONG_TEXT = 120
_MARGIN = 8  # our count of letters may differ a little from lingua's; a text wrongly called short costs nothing


def _malloc_trim() -> Any:
    """glibc's `malloc_trim`, or None elsewhere: gives the pages of unloaded models back to the system."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def _lingua() -> Any:
    try:
        import lingua
    except ImportError as exc:
        raise MissingExtra("language identification", "lingua-language-detector") from exc
    return lingua


def _surely_long(text: str) -> bool:
    """True when lingua's high-accuracy mode will use trigrams only (shared by every detector): it counts the
    letters of the words it finds (spaces, digits and punctuation excluded) against `_LONG_TEXT`."""
    return sum(c.isalpha() for c in text) >= _LONG_TEXT + _MARGIN


class LinguaLangId:
    """lingua's confidence values, as ISO 639-1 codes.

    `scores(text)` uses one detector over all 75 languages (~1.2 GB once every model is loaded);
    `scores(text, candidates)` uses a detector over the candidates only: its cost grows with the
    number of languages, and only the models of languages actually asked for are ever loaded.
    Models load lazily on first use and are shared between detectors of one process.

    `max_models`: on texts under 120 letters the high-accuracy mode loads 1- to 5-gram models (~13-22 MB a
    language) for every candidate, and a long run asks about dozens of languages. `release(keep)` unloads
    the least recently asked languages until at most `max_models` stay, never those in `keep` (None = never
    unload). The answers do not change: an unloaded language is reloaded when it is asked about again.
    """

    def __init__(self, *, low_accuracy: bool = False, max_models: int | None = None) -> None:
        self._lib = _lingua()
        self._low_accuracy = low_accuracy
        self._codes: dict[str, Any] = {lang.iso_code_639_1.name.lower(): lang for lang in self._lib.Language.all()}
        self._full: Any = None
        self._restricted: OrderedDict[frozenset[str], Any] = OrderedDict()
        # tracked only where unloading helps: low accuracy uses trigrams only, shared with every detector
        self._max_models = None if low_accuracy else max_models
        self._asked: OrderedDict[str, None] = OrderedDict()  # languages whose models may be loaded, LRU first
        self._trim = _malloc_trim() if self._max_models is not None else None

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(self._codes)

    def scores(self, text: str, candidates: Iterable[str] | None = None) -> Scores:
        detector = self._detector(candidates)
        if self._max_models is not None and candidates is not None and not _surely_long(text):
            self._note_asked(candidates)
        return self._convert(detector.compute_language_confidence_values(text))

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

    def _note_asked(self, candidates: Iterable[str]) -> None:
        for code in sorted(c for c in candidates if c in self._codes):
            self._asked[code] = None
            self._asked.move_to_end(code)

    @property
    def max_models(self) -> int | None:
        return self._max_models

    @property
    def loaded(self) -> list[str]:
        """The languages asked about since they were last unloaded, least recently asked first."""
        return list(self._asked)

    def release(self, keep: Iterable[str] = ()) -> list[str]:
        """Unloads the least recently asked languages until at most `max_models` stay loaded; languages in
        `keep` always stay (and count towards the cap). Returns the unloaded languages."""
        if self._max_models is None:
            return []
        kept = frozenset(keep)
        spare = [code for code in self._asked if code not in kept]
        room = max(0, self._max_models - (len(self._asked) - len(spare)))
        evict = spare[: max(0, len(spare) - room)]
        for code in evict:
            # a one-language detector unloads exactly that language's models (every n-gram order, so the
            # all-language coarse detector reloads its trigrams, ~13 ms, when it next needs them)
            self._lib.LanguageDetectorBuilder.from_languages(self._codes[code]).build().unload_language_models()
            del self._asked[code]
        if evict and self._trim is not None:
            self._trim(0)  # without it the freed models stay in the heap
        return evict

    def _build(self, builder: Any) -> Any:
        if self._low_accuracy:
            builder = builder.with_low_accuracy_mode()
        return builder.build()
