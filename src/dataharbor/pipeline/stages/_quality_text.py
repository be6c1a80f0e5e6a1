"""One pass of splitting shared by every quality signal: lines, paragraphs and words.

Everything here uses C-level `str`/`re` operations on the whole text, not Python loops over
characters, because the quality stage runs on every record of every dataset.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from itertools import repeat

from dataharbor.pipeline.stages._quality_lang import CHAR_SCRIPT

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# stripped from both ends of a whitespace token to get the word (str.split + str.strip run in C
# and are several times faster than a word regex; inner apostrophes and hyphens stay)
PUNCTUATION = string.punctuation + "“”‘’„‚«»‹›…–—¡¿·•、。，．！？：；（）「」『』《》【】।॥؟،؛۔"
# one token per character of the scripts written without spaces, else runs of letters/digits
_CHAR_RANGES = CHAR_SCRIPT.pattern[1:-1]
_CHAR_WORD = re.compile(rf"[{_CHAR_RANGES}]|[^\W_{_CHAR_RANGES}]+")
# scripts whose words are separated by a mark instead of a space: Tibetan tsheg, Ethiopic wordspace
_WORD_SEPARATORS = str.maketrans({"\u0f0b": " ", "\u1361": " "})


@dataclass(slots=True)
class TextView:
    """The text cut the ways the signals need it."""

    text: str
    lower: str  # text.lower()
    lines: list[str]  # non-empty, stripped
    line_chars: int  # characters of `lines`
    paragraphs: list[str]  # non-empty, stripped
    words: list[str]  # lower-cased tokens without outer punctuation (char unit: one CJK/Thai char each)
    tokens: int  # Gopher's word count: whitespace-separated tokens; char unit: len(words)
    ws_tokens: int  # whitespace-separated tokens, whatever the unit
    text_tokens: int  # whitespace-separated tokens of `text` (no word separators but spaces)
    char_unit: bool


def split_text(text: str, word_unit: str) -> TextView:
    lines = list(filter(None, map(str.strip, text.split("\n"))))
    # one line: one paragraph, the stripped line
    paragraphs = list(filter(None, map(str.strip, _PARAGRAPH_BREAK.split(text)))) if "\n" in text else list(lines)
    lower = text.lower()
    split = lower.split()
    # str.lower maps no character across the whitespace line, so `text` has as many tokens as `lower`
    text_tokens = ws_tokens = len(split)
    separated = lower
    if "\u0f0b" in lower or "\u1361" in lower:
        separated = lower.translate(_WORD_SEPARATORS)
        split = separated.split()
        ws_tokens = len(split)
    if word_unit == "char":
        words = _CHAR_WORD.findall(separated)
        tokens = len(words)
    else:
        words = list(filter(None, map(str.strip, split, repeat(PUNCTUATION, ws_tokens))))
        tokens = ws_tokens
    return TextView(
        text, lower, lines, sum(map(len, lines)), paragraphs, words, tokens, ws_tokens, text_tokens, word_unit == "char"
    )
