"""quality: Gopher quality + repetition signals and C4 line rules, language-aware, thresholds decide.

Every record gets all signals in `annotations["quality"]` (kept ones too), so audits and
mixtures can re-filter later without recomputing. Word-dependent rules (stop words, word
lengths) take their settings from the record's language (`annotations["language"]["lang"]`),
else the dataset's first declared language, else a language-neutral setting. A character-trigram
"is this real language" signal (`_quality_charngram`) catches scrambled letters in any language
of the language stage's trigram model, stop-word list or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dataharbor.domain.record import Record
from dataharbor.pipeline.stage import RecordStage, StageContext, register_stage
from dataharbor.pipeline.stages._quality_c4 import c4_remove_lines, c4_signals, policy_groups, policy_pattern
from dataharbor.pipeline.stages._quality_charngram import TRIGRAM_SIGNALS, char_trigram_signals, trigram_languages
from dataharbor.pipeline.stages._quality_gopher import gopher_signals
from dataharbor.pipeline.stages._quality_lang import LanguageSettings, load_language_table
from dataharbor.pipeline.stages._quality_repetition import NGRAM_KEYS, dup_signals, ngram_signals
from dataharbor.pipeline.stages._quality_rules import (
    DEFAULT_MODALITY_THRESHOLDS,
    GIBBERISH_KEY,
    STOP_WORD_KEYS,
    Rules,
    Thresholds,
    compile_rules,
    first_broken,
    merge,
    validate,
)
from dataharbor.pipeline.stages._quality_text import split_text

_GROUP_DOCS = 255  # documents whose n-gram signals share one numpy pass (see _quality_repetition)
_GROUP_CHARS = 4_000_000  # and at most this much text, so a batch of huge documents stays bounded


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
    version = "4"  # 2: char-trigram gibberish rule; 3: thresholds per modality (OCR, speech, video);
    # 4: a tie between equally frequent top n-grams goes to the first occurrence (was: hash order, per process)

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
        self._policy_groups = policy_groups(self._table.policy_phrases)
        self._merged: dict[str, Thresholds] = {}
        self._rules_cache: dict[tuple[str, str, str, str], Rules] = {}

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
        return self.signals_batch([(text, lang, char_trigrams)])[0]

    def signals_batch(self, items: Sequence[tuple[str, LanguageSettings, bool]]) -> list[dict[str, Any]]:
        """`signals` of many texts at once: the n-gram signals of a batch share their numpy passes.

        Texts go in groups of at most `_GROUP_DOCS` documents and `_GROUP_CHARS` characters, which
        bounds the words held at once whatever the batch size."""
        out: list[dict[str, Any]] = []
        start = chars = 0
        for end, (text, _, _) in enumerate(items):
            if end > start and (end - start >= _GROUP_DOCS or chars + len(text) > _GROUP_CHARS):
                out += self._signals_group(items[start:end])
                start, chars = end, 0
            chars += len(text)
        if start < len(items):
            out += self._signals_group(items[start:])
        return out

    def _signals_group(self, items: Sequence[tuple[str, LanguageSettings, bool]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        by_scale: dict[int, list[int]] = {}
        words: list[list[str]] = []
        zero_ngrams = dict.fromkeys(NGRAM_KEYS, 0.0)
        for i, (text, lang, char_trigrams) in enumerate(items):
            view = split_text(text, lang.word_unit)
            by_scale.setdefault(lang.ngram_scale, []).append(i)
            words.append(view.words[: self.max_words * lang.ngram_scale])
            signals: dict[str, Any] = gopher_signals(view, lang.stop_words)
            signals.update(dup_signals(view.lines, view.paragraphs, view.line_chars))
            signals.update(zero_ngrams)  # filled in below, here for the order of the keys
            signals.update(c4_signals(view, self._policy_groups))
            # None where too short / script not covered
            signals.update(char_trigram_signals(text) if char_trigrams else dict.fromkeys(TRIGRAM_SIGNALS))
            out.append(signals)
        for scale, indices in by_scale.items():
            for i, ngrams in zip(indices, ngram_signals([words[i] for i in indices], scale), strict=True):
                out[i].update(ngrams)
        return out

    def _rules(self, record: Record) -> tuple[LanguageSettings, Rules]:
        code = self._code(record)
        lang = self._language(record, code)
        key = (lang.code, lang.word_unit, code, record.modality)
        rules = self._rules_cache.get(key)
        if rules is None:
            thresholds = self._thresholds(lang)
            if code not in trigram_languages() and GIBBERISH_KEY not in self.language_thresholds.get(code, {}):
                # the trigram model never saw this language (or none is known): its real text could
                # look scrambled, so the rule only applies when the profile names it for that language
                thresholds = {**thresholds, GIBBERISH_KEY: None}
            if record.modality in self.modality_thresholds:
                thresholds = {**thresholds, **self.modality_thresholds[record.modality]}
            rules = self._rules_cache[key] = compile_rules(thresholds)
        return lang, rules

    def _judge(self, batch: Sequence[Record]) -> list[str | None]:
        """Annotates every record of `batch` with its signals; returns each one's drop reason or None."""
        prepared: list[tuple[Rules, int]] = []
        items: list[tuple[str, LanguageSettings, bool]] = []
        for record in batch:
            lang, rules = self._rules(record)
            removed = 0
            if self.c4_remove_lines:
                record.text, removed = c4_remove_lines(
                    record.text, self._policy, lang.word_unit == "char", lang.terminal_punctuation
                )
            prepared.append((rules, removed))
            # the trigram signals are computed where their rule can decide, not for nothing
            items.append((record.text, lang, rules.gibberish))
        reasons: list[str | None] = []
        for record, (rules, removed), signals in zip(batch, prepared, self.signals_batch(items), strict=True):
            if self.c4_remove_lines:
                signals["c4_lines_removed"] = removed
            record.annotations[self.name] = signals
            reasons.append(first_broken(signals, rules))
        return reasons

    def process(self, batch: Sequence[Record]) -> None:
        for record, reason in zip(batch, self._judge(batch), strict=True):
            if reason:
                record.drop(self.name, reason)

    def apply(self, record: Record) -> str | None:
        return self._judge([record])[0]
