"""Context words: a weak candidate becomes a detection when a telling word sits just before it."""

from __future__ import annotations

import re


def keywords(*words: str) -> re.Pattern[str]:
    """A case-insensitive pattern matching any of `words` as whole words."""
    return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)


def has_context(text: str, start: int, pattern: re.Pattern[str], window: int = 48) -> bool:
    """Whether `pattern` occurs in the `window` characters before `start`."""
    return pattern.search(text, max(0, start - window), start) is not None


def word_set(text: str) -> frozenset[str]:
    """A set of lower-case words written as one space-separated string (keeps long lists readable)."""
    return frozenset(text.lower().split())
