"""Thresholds of the quality stage: defaults, how the layers merge, and the keep/drop decision.

A threshold key is `min_<signal>` or `max_<signal>`; a record breaking it is dropped with the
signal's name as the reason (e.g. `max_gopher_dup_line_frac` -> reason `gopher_dup_line_frac`).
`None` switches a rule off. Rules are checked in the order below, so the reason is the first
(cheapest to explain) rule that fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dataharbor.errors import ConfigError

Thresholds = dict[str, float | None]

# Gopher/C4 values unless noted; "tuned" ones were chosen on the tuning split of
# bench/accuracy/quality.py (see docs/stages/quality.md)
DEFAULT_THRESHOLDS: dict[str, float | None] = {
    "min_gopher_word_count": 25,  # Gopher: 50; partner documents (help pages, letters) are short
    "max_gopher_word_count": 100_000,
    "max_c4_lorem_ipsum": 0,
    "max_gopher_dup_line_frac": 0.3,
    "max_gopher_dup_para_frac": 0.3,
    "max_gopher_dup_line_char_frac": 0.2,
    "max_gopher_dup_para_char_frac": 0.2,
    "max_gopher_top_2gram_char_frac": 0.2,
    "max_gopher_top_3gram_char_frac": 0.18,
    "max_gopher_top_4gram_char_frac": 0.16,
    "max_gopher_dup_5gram_char_frac": 0.15,
    "max_gopher_dup_6gram_char_frac": 0.14,
    "max_gopher_dup_7gram_char_frac": 0.13,
    "max_gopher_dup_8gram_char_frac": 0.12,
    "max_gopher_dup_9gram_char_frac": 0.11,
    "max_gopher_dup_10gram_char_frac": 0.10,
    "min_gopher_mean_word_length": 3.0,
    "max_gopher_mean_word_length": 10.0,
    "max_gopher_symbol_word_ratio": 0.1,
    "max_gopher_bullet_lines_frac": 0.9,
    "max_gopher_ellipsis_lines_frac": 0.3,
    "min_gopher_alpha_words_frac": 0.7,  # Gopher: 0.8; tuned: dates, numbers and Thai digits
    "min_gopher_stop_words": 2,  # only for languages with a stop-word list
    "min_gopher_stop_word_frac": 0.1,  # tuned; only for languages with a stop-word list
    "max_c4_no_terminal_punct_frac": 0.5,  # tuned
    "max_c4_javascript_frac": 0.3,  # tuned
    "max_c4_curly_brace_ratio": 0.1,  # tuned (C4 drops any page with a brace: too harsh for docs)
    "max_c4_policy_frac": 0.3,  # tuned
    "max_c4_short_line_frac": 0.7,  # tuned
    # tuned (tuning split: good >= 0.63, shuffled <= 0.12); scrambled letters, in any language
    # whose script the UDHR trigram model covers (left out where it cannot judge)
    "min_char_trigram_gain": 0.3,
}

# Text read from pixels or sound is judged by what it is: a transcript passage of a short recording
# or a photographed notice is legitimately short, and on-screen text (title cards, captions) has no
# stop words or sentence punctuation. These apply on top of the language's thresholds; a profile
# changes them with the stage's `modality_thresholds` parameter.
DEFAULT_MODALITY_THRESHOLDS: dict[str, dict[str, float | None]] = {
    "audio": {"min_gopher_word_count": 3},
    "image": {"min_gopher_word_count": 5},
    "video": {
        "min_gopher_word_count": 2,
        "max_c4_no_terminal_punct_frac": None,
        "max_c4_short_line_frac": None,
        "min_gopher_stop_words": None,
        "min_gopher_stop_word_frac": None,
    },
}

STOP_WORD_KEYS = ("min_gopher_stop_words", "min_gopher_stop_word_frac")
GIBBERISH_KEY = "min_char_trigram_gain"  # only for languages the trigram model knows


def validate(thresholds: Mapping[str, object], where: str) -> Thresholds:
    """Check keys and values of thresholds given in a profile; returns them typed."""
    out: Thresholds = {}
    for key, value in thresholds.items():
        if key not in DEFAULT_THRESHOLDS:
            known = ", ".join(DEFAULT_THRESHOLDS)
            raise ConfigError(f"Quality threshold '{key}' in {where} is not known. Known: {known}", stage="quality")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(
                f"Quality threshold '{key}' in {where} has value '{value}'. Not a number or null.", stage="quality"
            )
        out[key] = None if value is None else float(value)
    return out


def merge(language: Thresholds, profile: Thresholds, profile_language: Thresholds) -> Thresholds:
    """defaults < language file < profile < profile per language; a rule the language file
    switches off (null: word lengths in Chinese) stays off unless the profile names that language."""
    merged = dict(DEFAULT_THRESHOLDS)
    merged.update(language)
    for key, value in profile.items():
        if not (key in language and language[key] is None):
            merged[key] = value
    merged.update(profile_language)
    return merged


@dataclass(frozen=True, slots=True)
class Rules:
    """Thresholds compiled for `first_broken`: (signal, is a minimum, limit) in checking order."""

    checks: tuple[tuple[str, bool, float], ...]
    gibberish: bool  # the char-trigram rule is on, so its signals are worth computing


def compile_rules(thresholds: Thresholds) -> Rules:
    checks = tuple(
        (key[4:], key.startswith("min_"), limit)
        for key, limit in thresholds.items()
        if limit is not None and key.startswith(("min_", "max_"))
    )
    return Rules(checks, thresholds.get(GIBBERISH_KEY) is not None)


def first_broken(signals: Mapping[str, float | None], rules: Rules) -> str | None:
    """The signal name of the first rule broken (in threshold order), or None when the record passes them all."""
    for name, is_min, limit in rules.checks:
        value = signals.get(name)
        if value is None:
            continue
        if (value < limit) if is_min else (value > limit):
            return name
    return None
