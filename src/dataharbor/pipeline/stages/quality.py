"""quality: Gopher quality + repetition signals and C4 line rules, language-aware, thresholds decide.

Every record gets all signals in `annotations["quality"]` (kept ones too), so audits and
mixtures can re-filter later without recomputing. Word-dependent rules (stop words, word
lengths) take their settings from the record's language (`annotations["language"]["lang"]`),
else the dataset's first declared language, else a language-neutral setting. A character-trigram
"is this real language" signal (`_quality_charngram`) catches scrambled letters in any language
of the language stage's trigram model, stop-word list or not.
"""

from __future__ import annotations

from typing import Any

from dataharbor.domain.record import Record
from dataharbor.pipeline.stage import RecordStage, StageContext, register_stage
from dataharbor.pipeline.stages._quality_c4 import c4_remove_lines, c4_signals, policy_pattern
from dataharbor.pipeline.stages._quality_charngram import TRIGRAM_SIGNALS, char_trigram_signals, trigram_languages
from dataharbor.pipeline.stages._quality_gopher import gopher_signals
from dataharbor.pipeline.stages._quality_lang import LanguageSettings, load_language_table
from dataharbor.pipeline.stages._quality_repetition import repetition_signals
from dataharbor.pipeline.stages._quality_rules import (
    DEFAULT_MODALITY_THRESHOLDS,
    GIBBERISH_KEY,
    STOP_WORD_KEYS,
    Thresholds,
    first_failure,
    merge,
    validate,
)
from dataharbor.pipeline.stages._quality_text import split_text


@register_stage
class QualityStage(RecordStage):
    """Computes ~30 quality signals per record and drops records that break a threshold.

    Params: `thresholds` (`min_<signal>`/`max_<signal>` -> number or null, for every language),
    `language_thresholds` (language code -> such a mapping), `c4_remove_lines` (apply C4's
    line-removal rewrite before measuring; off by default), `modality_thresholds` (modality ->
    thresholds applied on top, for text read by OCR/ASR; defaults in `_quality_rules`), `max_words`
    (n-gram signals look at the first `max_words` words only, which bounds the work per record).
    """

    name = "quality"
    version = "3"  # 2: char-trigram gibberish rule; 3: thresholds per modality (OCR, speech, video)

    def __init__(
        self,
        context: StageContext,
        *,
        thresholds: dict[str, float | None] | None = None,
        language_thresholds: dict[str, dict[str, float | None]] | None = None,
        c4_remove_lines: bool = False,
        max_words: int = 100_000,
        modality_thresholds: dict[str, dict[str, float | None]] | None = None,
    ) -> None:
        super().__init__(context)
        self.thresholds = validate(thresholds or {}, "params.thresholds")
        self.language_thresholds = {
            lang: validate(values or {}, f"params.language_thresholds.{lang}")
            for lang, values in (language_thresholds or {}).items()
        }
        self.c4_remove_lines = c4_remove_lines
        self.max_words = max_words
        self.modality_thresholds = {
            modality: validate(values or {}, f"params.modality_thresholds.{modality}")
            for modality, values in {**DEFAULT_MODALITY_THRESHOLDS, **(modality_thresholds or {})}.items()
        }
        self._table = load_language_table()
        self._policy = policy_pattern(self._table.policy_phrases)
        self._merged: dict[str, Thresholds] = {}

    def _code(self, record: Record) -> str:
        annotated = record.annotations.get("language", {})
        lang = annotated.get("lang") if isinstance(annotated, dict) else None
        if not lang and self.context.declared_languages:
            lang = self.context.declared_languages[0]
        return self._table.canonical(lang)

    def _language(self, record: Record, code: str) -> LanguageSettings:
        if code in self._table.languages:
            return self._table.languages[code]
        return self._table.neutral_for(record.text)

    def _thresholds(self, lang: LanguageSettings) -> Thresholds:
        merged = self._merged.get(lang.code + lang.word_unit)
        if merged is None:
            own = validate(lang.thresholds, f"quality_lang/languages.yaml ({lang.code or 'default'})")
            merged = merge(own, self.thresholds, self.language_thresholds.get(lang.code, {}))
            if not lang.stop_words:
                merged.update(dict.fromkeys(STOP_WORD_KEYS))
            self._merged[lang.code + lang.word_unit] = merged
        return merged

    def signals(self, text: str, lang: LanguageSettings, *, char_trigrams: bool = True) -> dict[str, Any]:
        """All signals of one text; public so audits and benchmarks can score text without a record.

        `char_trigrams=False` leaves the two trigram signals None (they cost ~40% of the stage).
        """
        view = split_text(text, lang.word_unit)
        words = view.words[: self.max_words * lang.ngram_scale]
        signals: dict[str, Any] = gopher_signals(view, lang.stop_words)
        signals.update(repetition_signals(view.lines, view.paragraphs, words, lang.ngram_scale))
        signals.update(c4_signals(text, view.lines, self._table.policy_phrases, lang.word_unit == "char"))
        # None where too short / script not covered
        signals.update(char_trigram_signals(text) if char_trigrams else dict.fromkeys(TRIGRAM_SIGNALS))
        return signals

    def apply(self, record: Record) -> str | None:
        code = self._code(record)
        lang = self._language(record, code)
        removed = 0
        if self.c4_remove_lines:
            record.text, removed = c4_remove_lines(
                record.text, self._policy, lang.word_unit == "char", lang.terminal_punctuation
            )
        thresholds = self._thresholds(lang)
        if code not in trigram_languages() and GIBBERISH_KEY not in self.language_thresholds.get(code, {}):
            # the trigram model never saw this language (or none is known): its real text could
            # look scrambled, so the rule only applies when the profile names it for that language
            thresholds = {**thresholds, GIBBERISH_KEY: None}
        if record.modality in self.modality_thresholds:
            thresholds = {**thresholds, **self.modality_thresholds[record.modality]}
        # the trigram signals are computed where their rule can decide, not for nothing
        signals = self.signals(record.text, lang, char_trigrams=thresholds.get(GIBBERISH_KEY) is not None)
        if self.c4_remove_lines:
            signals["c4_lines_removed"] = removed
        record.annotations[self.name] = signals
        return first_failure(signals, thresholds)
