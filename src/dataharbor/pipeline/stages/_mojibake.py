"""When ftfy can change a text at all: a cheap test that lets clean text skip `ftfy.fix_text`.

`fix_text` costs ~1.4 s per MB (line by line, a large regex per line); most text is clean. ftfy's
fixers act only on (a) character classes: C0/C1 controls, ligatures, full/half-width forms, line
and paragraph separators, surrogates, terminal escapes; (b) HTML entities; (c) mojibake, which ftfy
itself only repairs where `ftfy.badness.BADNESS_RE` matches. Every alternative of that regex spans at
most 7 characters and needs a character outside ASCII and the lower-case accented Latin letters
(`SAFE`: é, ü, ñ, ø …), so it is enough to search short windows around such characters (’, «, nbsp,
capitals with accents …), typically a fifth of a French or German page. The tables come from ftfy
itself, so an upgrade that widens them widens this test.
When `may_change` is false, `fix_text(text, normalization="NFC", ...)` equals NFC(text) (pinned by
tests/pipeline/stages/test_normalize.py over real and broken text).
"""

from __future__ import annotations

import re
import unicodedata

from ftfy import chardata
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES


def _expand(char_class: str) -> set[str]:
    """The characters of one of ftfy's category strings (which use `a-z` ranges)."""
    spans = re.sub(r"(.)-(.)", lambda m: "".join(map(chr, range(ord(m[1]), ord(m[2]) + 1))), char_class)
    return set(spans)


# lower-case accented Latin letters: no BADNESS_RE alternative can match with these and ASCII alone
# (checked exhaustively over 3-grams in the tests); `œ` is excluded, `[Œœ][^A-Za-z]` is an alternative
SAFE = frozenset(
    (
        _expand(MOJIBAKE_CATEGORIES["lower_accented"])
        | {c for c in _expand(MOJIBAKE_CATEGORIES["kaomoji"]) if c.islower()}
    )
    - {"œ"}
)

_TABLE_CHARS = {*chardata.LIGATURES, *chardata.WIDTH_MAP, *chardata.CONTROL_CHARS}
_TRIGGERS = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE_CHARS)) + r"\r\x1b\x80-\x9f\u2028\u2029\ud800-\udfff" + "]"
)
_UNSAFE_RUN = re.compile("[^\x00-\x7f" + "".join(sorted(SAFE)) + "]+")
_LINE_START_BAD = re.compile(r"(?:^|\n)[ÃÂ] ")  # BADNESS_RE's `^` sees each ftfy segment (a line)
_REACH = 7  # the longest BADNESS_RE alternative, in characters
_MAX_SEGMENT = 1_000_000  # ftfy also cuts lines longer than its max_decode_length; leave those to ftfy


def _windows(text: str) -> str:
    """The text within `_REACH` characters of any character outside ASCII and `SAFE`, joined by newlines."""
    out: list[str] = []
    start = end = -1
    for m in _UNSAFE_RUN.finditer(text):
        lo, hi = m.start() - _REACH, m.end() + _REACH
        if lo <= end:
            end = hi
            continue
        if end >= 0:
            out.append(text[max(start, 0) : end])
        start, end = lo, hi
    if end >= 0:
        out.append(text[max(start, 0) : end])
    return "\n".join(out)


def _looks_bad(text: str) -> bool:
    if text.isascii():
        return False
    windows = _windows(text)
    return bool(windows and (BADNESS_RE.search(windows) or _LINE_START_BAD.search(windows)))


def may_change(text: str) -> bool:
    """False only when ftfy's `fix_text` would return the text's NFC form unchanged."""
    if len(text) >= _MAX_SEGMENT or _TRIGGERS.search(text) or chardata.HTML_ENTITY_RE.search(text):
        return True
    if _looks_bad(text):
        return True
    # ftfy repeats its fixers after NFC until nothing changes: judge the NFC form too
    if not unicodedata.is_normalized("NFC", text):
        nfc = unicodedata.normalize("NFC", text)
        return bool(_TRIGGERS.search(nfc) or chardata.HTML_ENTITY_RE.search(nfc) or _looks_bad(nfc))
    return False
