"""Gopher quality signals (Rae et al. 2021, appendix A): word statistics that separate prose from junk."""

from __future__ import annotations

import re
from itertools import filterfalse, repeat
from operator import itemgetter

from dataharbor.pipeline.stages._quality_text import TextView

_BULLETS = frozenset("•‣⁃◦▪▫●○■□-*–—·►▶➢✓✔")
_ELLIPSES = ("...", "…")
_LETTER = re.compile(r"[^\W\d_]")
_LETTER_TOKEN = re.compile(r"[^\W\d_][^\n]*")  # from a token's first letter to its end


def _has_letter(word: str) -> bool:
    # fast path in C for the usual all-letter word; the regex only for mixed tokens
    if word.isalpha():
        return True
    if word.isalnum():
        return not word.isdecimal()
    return _LETTER.search(word) is not None


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _letter_tokens(tokens: list[str]) -> int:
    """How many tokens hold a letter (`_has_letter`). The usual all-letter token is counted in C;
    the rest are joined one a line, where each match of `_LETTER_TOKEN` is one token with a letter
    (tokens are whitespace-free, so a match never runs into the next one)."""
    rest = list(filterfalse(str.isalpha, tokens))
    if not rest:
        return len(tokens)
    return len(tokens) - len(rest) + len(_LETTER_TOKEN.findall("\n".join(rest)))


def gopher_signals(view: TextView, stop_words: frozenset[str]) -> dict[str, float]:
    text, lines, words = view.text, view.lines, view.words
    n_lines = len(lines)
    symbols = text.count("#") + text.count("...") + text.count("…")
    # Gopher: share of whitespace tokens with a letter; tokens of pure punctuation count as without
    alpha_basis = view.text.split() if view.char_unit else words
    stop = sum(map(stop_words.__contains__, words)) if stop_words else 0
    bullets = sum(map(_BULLETS.__contains__, map(itemgetter(0), lines)))
    ellipses = sum(map(str.endswith, lines, repeat(_ELLIPSES, n_lines)))
    return {
        "gopher_word_count": view.tokens,
        "gopher_mean_word_length": round(_ratio(sum(map(len, words)), len(words)), 4),
        "gopher_symbol_word_ratio": round(_ratio(symbols, view.tokens), 4),
        "gopher_bullet_lines_frac": round(_ratio(bullets, n_lines), 4),
        "gopher_ellipsis_lines_frac": round(_ratio(ellipses, n_lines), 4),
        "gopher_alpha_words_frac": round(_ratio(_letter_tokens(alpha_basis), view.ws_tokens), 4),
        "gopher_stop_words": stop,
        "gopher_stop_word_frac": round(_ratio(stop, len(words)), 4),
    }
