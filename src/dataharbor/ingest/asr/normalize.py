"""Text normalisation for word error rate: case, punctuation, numbers and a few spoken forms.

Both the reference and the transcript go through the same function, so "1993" and "nineteen
ninety three", "10" and "ten", "Mr." and "mister", "ill-disposed" and "ill disposed" compare equal.
Numbers are spelled out in words (English, and French up to 999 999) rather than folded to digits:
spelling a digit string is unambiguous, parsing spoken numbers is not. Years 1100-1999 are read
as pairs, the way they are spoken ("nineteen ninety three").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen".split()
_ONES += "seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"))
_ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth"}
_ORDINAL |= {"twelve": "twelfth"}
_SPOKEN = {"mr": "mister", "mrs": "missus", "ms": "miss", "dr": "doctor", "st": "saint", "vs": "versus"}
_SPOKEN |= {"ok": "okay", "%": "percent", "&": "and", "€": "euros", "£": "pounds"}

_FR_ONES = "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize".split()
_FR_TENS = "_ dix vingt trente quarante cinquante soixante soixante quatre-vingt quatre-vingt".split()

_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(st|nd|rd|th)?(?!\w)")
_CURRENCY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?)")
_KEEP = re.compile(r"[^\w\s']")


def english_number(n: int) -> str:
    """Cardinal number in English words: 1993 -> 'one thousand nine hundred ninety three'."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + (" " + english_number(rest) if rest else "")
    for value, word in _SCALES:
        if n >= value:
            rest = n % value
            head = english_number(n // value) + " " + word
            return head + (" " + english_number(rest) if rest else "")
    return str(n)  # unreachable for n >= 0


def english_digits(digits: str, *, ordinal: bool = False, grouped: bool = False) -> str:
    """How a digit string is read aloud: years in pairs (not "1,250"), leading zeros digit by digit."""
    n = int(digits)
    if len(digits) > 1 and digits.startswith("0"):
        words = " ".join(_ONES[int(d)] for d in digits)
    elif 1100 <= n <= 1999 and not ordinal and not grouped:
        high, low = divmod(n, 100)
        tail = "hundred" if low == 0 else ("oh " + _ONES[low] if low < 10 else english_number(low))
        words = english_number(high) + " " + tail
    else:
        words = english_number(n)
    if ordinal:
        head, _, last = words.rpartition(" ")
        last = _ORDINAL.get(last, last[:-1] + "ieth" if last.endswith("y") else last + "th")
        words = f"{head} {last}".strip()
    return words


def french_number(n: int) -> str:
    """Cardinal number in French words (hyphens as spaces), up to 999 999; digits beyond."""
    if n < 17:
        return _FR_ONES[n]
    if n < 20:
        return "dix " + _FR_ONES[n - 10]
    if n < 100:
        tens, ones = divmod(n, 10)
        if tens in (7, 9):  # soixante-dix, quatre-vingt-dix: the teens continue the previous ten
            return _FR_TENS[tens] + (" et " if n == 71 else " ") + french_number(10 + ones)
        head = _FR_TENS[tens] + ("s" if tens == 8 and ones == 0 else "")
        if ones == 0:
            return head
        return head + (" et un" if ones == 1 and tens != 8 else " " + _FR_ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "cent" if hundreds == 1 else _FR_ONES[hundreds] + " cent" + ("s" if rest == 0 else "")
        return head + (" " + french_number(rest) if rest else "")
    if n < 1_000_000:
        thousands, rest = divmod(n, 1000)
        head = "mille" if thousands == 1 else french_number(thousands) + " mille"
        return head + (" " + french_number(rest) if rest else "")
    return str(n)


def _spell_numbers(text: str, language: str) -> str:
    def spell(m: re.Match[str]) -> str:
        digits = m.group(1).replace(",", "")
        if language == "fr":
            words = french_number(int(digits))
            if m.group(2):
                words += " virgule " + " ".join(french_number(int(d)) for d in m.group(2))
            return f" {words} "
        words = english_digits(digits, ordinal=bool(m.group(3)), grouped="," in m.group(1))
        if m.group(2):
            words += " point " + " ".join(_ONES[int(d)] for d in m.group(2))
        return f" {words} "

    if language != "fr":
        text = _CURRENCY.sub(lambda m: f"{m.group(1)} dollars", text)
    return _NUMBER.sub(spell, text)


def normalize(text: str, language: str = "en") -> str:
    """Lower-case words separated by single spaces, numbers spelled out, punctuation removed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("’", "'").replace("‘", "'")
    if language in ("en", "fr"):
        text = _spell_numbers(text, language)
    text = re.sub(r"(?<=\w)[-‐–—](?=\w)", " ", text)  # ill-disposed -> ill disposed
    words: list[str] = []
    for raw in text.split():
        word = _SPOKEN.get(raw.strip('.,;:!?"()[]'), raw) if language == "en" else raw
        word = _KEEP.sub(" ", word).strip(" '")
        words.extend(w.strip("'") for w in word.split() if w.strip("'"))
    return " ".join(words)


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance between two token sequences (words, or the characters of a string)."""
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1]


def tokens(text: str, language: str = "en") -> list[str]:
    """Normalised words; characters for languages written without spaces (zh, ja, th...)."""
    norm = normalize(text, language)
    if language in ("zh", "ja", "th", "lo", "my", "km"):
        return [c for c in norm if not c.isspace()]
    return norm.split()


def word_error_rate(reference: str, hypothesis: str, language: str = "en") -> float:
    """Errors / reference words after `normalize` (a character error rate for zh/ja/th...)."""
    ref, hyp = tokens(reference, language), tokens(hypothesis, language)
    return edit_distance(ref, hyp) / max(len(ref), 1)
