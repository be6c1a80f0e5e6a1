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
# the same characters as a set, for `text_chars`
TRIGGER_CHARS = frozenset(
    {chr(c) for c in _TABLE_CHARS}
    | set("\r\x1b\u2028\u2029")
    | set(map(chr, [*range(0x80, 0xA0), *range(0xD800, 0xE000)]))
)
_UNSAFE = "[^\x00-\x7f" + "".join(sorted(SAFE)) + "]"
_UNSAFE_RUN = re.compile(_UNSAFE + "+")
_LINE_START_BAD = re.compile(r"(?:^|\n)[ÃÂ] ")  # BADNESS_RE's `^` sees each ftfy segment (a line)
_REACH = 7  # the longest BADNESS_RE alternative, in characters
_FEW_UNSAFE = 8  # up to this many distinct unsafe characters, `_windows` searches for just those
_MAX_SEGMENT = 1_000_000  # ftfy also cuts lines longer than its max_decode_length; leave those to ftfy
_SAFE_OR_ASCII = SAFE | frozenset(map(chr, range(0x80)))

# ASCII characters that any test of `text_chars` looks for (controls, tab, CR): `text_chars` finds
# these in the UTF-8 bytes, where `bytes.translate` deletes all others at memory speed
_SPECIAL_ASCII = frozenset(
    c for c in map(chr, range(0x80)) if c in TRIGGER_CHARS or (c < " " and c != "\n") or c == "\x7f"
)
_NOT_SPECIAL_BYTES = bytes(b for b in range(256) if chr(b) not in _SPECIAL_ASCII or b >= 0x80)
_ASCII_RUN = re.compile("[\x00-\x7f]+")


def text_chars(text: str) -> frozenset[str]:
    """The distinct characters of `text` outside ASCII, and the ASCII controls (tab, CR, ...) it holds:
    enough to answer "does the text hold any of these characters" for every character class the
    normalize stage tests, in two C passes instead of one regex scan per class."""
    special = text.encode("utf-8", "surrogatepass").translate(None, _NOT_SPECIAL_BYTES).decode("ascii")
    if text.isascii():
        return frozenset(special)
    return frozenset(_ASCII_RUN.sub("", text)).union(special)


def _windows(text: str, chars: frozenset[str] | None = None) -> str:
    """The text within `_REACH` characters of any character outside ASCII and `SAFE`, joined by newlines.

    `chars` (`text_chars(text)`): a text with a few distinct unsafe characters (typographic quotes,
    no-break spaces) is searched for just those with `str.find`, far faster than `_UNSAFE_RUN`'s scan."""
    unsafe = None if chars is None else chars - _SAFE_OR_ASCII
    if unsafe is not None and len(unsafe) <= _FEW_UNSAFE:
        at: list[int] = []
        for char in unsafe:
            i = text.find(char)
            while i != -1:
                at.append(i)
                i = text.find(char, i + 1)
        at.sort()
        spans = [(i, i + 1) for i in at]
    else:
        spans = [m.span() for m in _UNSAFE_RUN.finditer(text)]
    out: list[str] = []
    start = end = -1
    for first, last in spans:
        lo, hi = first - _REACH, last + _REACH
        if lo <= end:
            end = hi
            continue
        if end >= 0:
            out.append(text[max(start, 0) : end])
        start, end = lo, hi
    if end >= 0:
        out.append(text[max(start, 0) : end])
    return "\n".join(out)


def _looks_bad(text: str, chars: frozenset[str] | None = None) -> bool:
    if text.isascii() or (chars is not None and chars <= _SAFE_OR_ASCII):
        return False
    windows = _windows(text, chars)
    return bool(windows and (BADNESS_RE.search(windows) or _LINE_START_BAD.search(windows)))


def may_change(text: str, chars: frozenset[str] | None = None) -> bool:
    """False only when ftfy's `fix_text` would return the text's NFC form unchanged.

    `chars`: `text_chars(text)`, where the caller has it."""
    if chars is None:
        chars = text_chars(text)
    if len(text) >= _MAX_SEGMENT or not chars.isdisjoint(TRIGGER_CHARS) or chardata.HTML_ENTITY_RE.search(text):
        return True
    if _looks_bad(text, chars):
        return True
    # ftfy repeats its fixers after NFC until nothing changes: judge the NFC form too
    if not unicodedata.is_normalized("NFC", text):
        nfc = unicodedata.normalize("NFC", text)
        return bool(_TRIGGERS.search(nfc) or chardata.HTML_ENTITY_RE.search(nfc) or _looks_bad(nfc))
    return False
