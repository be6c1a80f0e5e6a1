"""Word-boundary-aware term matching for the multilingual bad-word and identity lexicons.

Languages written with spaces are matched on whole tokens (and token sequences for multi-word
terms), so `bite` never matches inside `biter`; a plural `s`/`es` is tolerated. Scripts written
without spaces between words (Chinese, Japanese, Thai; Korean attaches particles) are matched as
substrings, but only when the text contains such characters at all.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from dataharbor.pipeline.stages._safety_text import canonical, tokens

_NO_SPACE_LANGS = frozenset({"zh", "ja", "th", "ko"})
_NO_SPACE_SCRIPT = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


class TermMatcher:
    """Counts occurrences of lexicon terms in canonical text."""

    def __init__(self, word_terms: Iterable[str], substring_terms: Iterable[str] = ()) -> None:
        self._phrases: set[tuple[str, ...]] = set()
        for term in word_terms:
            toks = tuple(tokens(canonical(term)))
            if toks:
                self._phrases.add(toks)
        self._max_len = max((len(p) for p in self._phrases), default=0)
        # the same phrases for `count`'s fast path: one-word terms as strings, longer ones by their first word
        self._singles = frozenset(p[0] for p in self._phrases if len(p) == 1)
        self._multi_first = frozenset(p[0] for p in self._phrases if len(p) > 1)
        subs = sorted({canonical(t).strip() for t in substring_terms} - {""}, key=len, reverse=True)
        self._substrings = re.compile("|".join(map(re.escape, subs))) if subs else None

    def __len__(self) -> int:
        return len(self._phrases) + (len(self._substrings.pattern.split("|")) if self._substrings else 0)

    def single_words(self) -> set[str]:
        return {p[0] for p in self._phrases if len(p) == 1}

    def count(self, toks: Sequence[str], text: str) -> int:
        """Occurrences in `toks` (tokens of canonical `text`) and, for space-less scripts, in `text`."""
        hits = 0
        phrases, singles, multi_first = self._phrases, self._singles, self._multi_first
        for i, tok in enumerate(toks):
            # `(tok,) in phrases or _plural_stem(tok) in phrases`, without building tuples
            if tok in singles:
                hits += 1
            elif len(tok) > 4 and tok.endswith("es"):
                hits += tok[:-2] in singles
            elif len(tok) > 3 and tok.endswith("s"):
                hits += tok[:-1] in singles
            if tok in multi_first:  # a longer term can only start at its first word
                for n in range(2, min(self._max_len, len(toks) - i) + 1):
                    if tuple(toks[i : i + n]) in phrases:
                        hits += 1
        if self._substrings is not None and _NO_SPACE_SCRIPT.search(text):
            hits += len(self._substrings.findall(text))
        return hits


def _plural_stem(tok: str) -> tuple[str, ...]:
    if len(tok) > 4 and tok.endswith("es"):
        return (tok[:-2],)
    if len(tok) > 3 and tok.endswith("s"):
        return (tok[:-1],)
    return ()


def read_lexicon(path: Path) -> dict[str, list[str]]:
    """`lang<TAB>term` lines of a gzip file → terms per language."""
    by_lang: dict[str, list[str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            lang, _, term = line.rstrip("\n").partition("\t")
            if term:
                by_lang.setdefault(lang, []).append(term)
    return by_lang


def matcher_for(by_lang: dict[str, list[str]], languages: Iterable[str] = ()) -> TermMatcher:
    """A matcher over the given languages' lists (all lists when `languages` is empty)."""
    wanted = {lang.split("-")[0].lower() for lang in languages}
    words: list[str] = []
    subs: list[str] = []
    for lang, terms in by_lang.items():
        if wanted and lang.split("-")[0] not in wanted:
            continue
        (subs if lang in _NO_SPACE_LANGS else words).extend(terms)
    return TermMatcher(words, subs)
