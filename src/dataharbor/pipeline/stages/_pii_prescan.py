"""One cheap look at a record before the recognisers run, so each can skip texts it cannot match.

Every recogniser is a set of regular expressions; Python's `re` tries most of them at every character,
so a page costs as many passes as there are patterns. A skip here is a *necessary condition* of the
pattern (a digit, an '@', one of its cue words), so skipping never changes what is found: a text that
passes the test still goes through the unchanged pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache

# re's IGNORECASE folds these like ASCII letters (İ and ı with i, ſ with s) but `str.lower` does not:
# a text holding one gets no word-based skip
_FOLD_UNLIKE_LOWER = ("İ", "ı", "ſ")
_DIGIT = re.compile(r"\d")
# digits joined by single separators, as identifiers print them ("2 55 08 14 168 025 38", "943-476-5919")
_DIGIT_GROUP = re.compile(r"\d(?:[ .-]?\d)*")
# the first digit of each run of digits (the lookbehind comes after the digit so `re` can jump to digits)
_RUN_START = re.compile(r"\d(?<!\d\d)")
# a word: letters, then letters, digits, apostrophes or hyphens ("O'Neil", "Jean-Luc", "Arne's")
TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
TOKEN_SPLIT = re.compile(f"({TOKEN.pattern})")


class Prescan:
    """Facts about one text that the recognisers test before their patterns."""

    __slots__ = (
        "_backwards", "_distinct", "_group_digits", "_parts", "_run_starts", "_total_digits", "digits", "lower",
        "lower_is_exact", "memo", "text",
    )  # fmt: skip

    def __init__(self, text: str) -> None:
        self.text = text
        self.lower = text.lower()
        self.digits = _DIGIT.search(text) is not None
        # `lower` has the text's length and holds a word exactly where IGNORECASE would match it
        self.lower_is_exact = not any(c in text for c in _FOLD_UNLIKE_LOWER)
        self._group_digits: int | None = None
        self._total_digits: int | None = None
        self._run_starts: list[int] | None = None
        self._backwards: str | None = None
        self._parts: list[str] | None = None
        self._distinct: frozenset[str] | None = None
        # results one recogniser leaves for another that runs later on the same text (e.g. postal block lines)
        self.memo: dict[str, object] = {}

    def has(self, *literals: str) -> bool:
        """Whether one of `literals` occurs as written (for case-sensitive patterns): one search for all of
        them (`re` tests each position against their first characters) rather than one scan of the text each."""
        return _alternation(literals).search(self.text) is not None

    def has_word(self, words: Iterable[str]) -> bool:
        """Whether one of `words` (lower-case) may occur in any case: the condition of a case-insensitive cue."""
        return not self.lower_is_exact or any(w in self.lower for w in words)

    @property
    def group_digits(self) -> int:
        """Digits in the longest run of digits joined by single spaces, dots or dashes."""
        if self._group_digits is None:
            best = 0
            if self.digits:
                for m in _DIGIT_GROUP.finditer(self.text):
                    if m.end() - m.start() > best:  # a run's digits are at most its length
                        best = max(best, sum(1 for c in m.group() if c not in " .-"))
            self._group_digits = best
        return self._group_digits

    @property
    def total_digits(self) -> int:
        """Digits in the whole text."""
        if self._total_digits is None:
            self._total_digits = len(_DIGIT.findall(self.text)) if self.digits else 0
        return self._total_digits

    @property
    def backwards(self) -> str:
        """The lower-cased text reversed: a pattern read backwards from a position ("street word, then a number",
        "a cue at the end of a line") is one `re` search there, jumping to the position's character."""
        if self._backwards is None:
            self._backwards = self.lower[::-1]
        return self._backwards

    @property
    def run_starts(self) -> list[int]:
        """Where each run of digits begins, in order."""
        if self._run_starts is None:
            self._run_starts = [m.start() for m in _RUN_START.finditer(self.text)] if self.digits else []
        return self._run_starts

    @property
    def token_parts(self) -> list[str]:
        """The text split around its word tokens (`TOKEN`): odd items are the tokens, even items what lies
        between them; one split shared by the recognisers that read words."""
        if self._parts is None:
            self._parts = TOKEN_SPLIT.split(self.text)
        return self._parts

    @property
    def distinct_tokens(self) -> frozenset[str]:
        """The text's word tokens as written, each once: a recogniser tests its cue words or gazetteer against
        them with one set intersection before reading the text."""
        if self._distinct is None:
            self._distinct = frozenset(self.token_parts[1::2])
        return self._distinct

    def near_runs(self, *offsets: int) -> list[int]:
        """The positions `offset` characters before each run of digits (a pattern with letters first)."""
        if not offsets:
            return self.run_starts
        return sorted({s - k for s in self.run_starts for k in offsets if s >= k})

    def matches_at(self, pattern: re.Pattern[str], starts: Iterable[int]) -> Iterator[re.Match[str]]:
        """`pattern.finditer(text)` for a pattern that can only match from one of `starts` (ascending) and
        never matches the empty string: the same matches, trying only those positions.
        (A lookbehind still sees the text before the position.)"""
        end = 0
        for pos in starts:
            if pos < end:
                continue
            m = pattern.match(self.text, pos)
            if m is not None:
                end = m.end()
                yield m

    def finditer(
        self, pattern: re.Pattern[str], quick: re.Pattern[str], on_lower: bool = False
    ) -> Iterator[re.Match[str]]:
        """`pattern.finditer(text)`, where `quick` matches at the start of every match of `pattern` (its cue
        without the lookbehind, so `re` can jump to the cue's first letters instead of trying every
        position); `on_lower`: `quick` is case-sensitive and lower-case, and searches the lower-cased text.
        `pattern` never matches the empty string."""
        if on_lower and not self.lower_is_exact:
            yield from pattern.finditer(self.text)
            return
        source = self.lower if on_lower else self.text
        pos = 0
        while (hit := quick.search(source, pos)) is not None:
            m = pattern.match(self.text, hit.start())
            if m is None:
                pos = hit.start() + 1
            else:
                pos = m.end()
                yield m

    def number_after(self, words: tuple[str, ...]) -> bool:
        """Whether a run of digits follows one of `words` (lower-case), perhaps with whitespace between:
        the condition of "street word, then house number" patterns. Read backwards: the first digit of a run,
        whitespace, a word reversed (no word starts or ends with whitespace)."""
        if not self.lower_is_exact:
            return self.digits
        return self.digits and _number_after_backwards(words).search(self.backwards) is not None


@cache
def _alternation(literals: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, literals)))


@cache
def _number_after_backwards(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\d(?!\d)\s*(?:" + "|".join(re.escape(w[::-1]) for w in words) + ")")


def prescan(text: str, scan: Prescan | None) -> Prescan:
    """`scan` when the caller made one for this text, else a new one (recognisers called alone)."""
    return scan if scan is not None and scan.text is text else Prescan(text)
