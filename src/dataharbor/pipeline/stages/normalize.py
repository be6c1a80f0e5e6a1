"""normalize: repair mojibake, NFC, and clean whitespace and control characters."""

from __future__ import annotations

import re
import unicodedata

import ftfy

from dataharbor.domain.record import Record
from dataharbor.pipeline.stage import RecordStage, StageContext, register_stage
from dataharbor.pipeline.stages._mojibake import may_change, text_chars

# C0/C1 controls except tab and newline; also zero-width/bidi marks that break tokenisation
_CONTROL_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_SPACE_CHARS = r" \t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(rf"[{_SPACE_CHARS}]+")
_BLANK_LINES = re.compile(r"\n\n\n+")  # three or more: a literal prefix, which `re` finds fast
# _SPACES without its commonest match, a lone ASCII space (replacing it by itself costs a copy per word)
_SPACE_RUNS = re.compile(rf"[{_SPACE_CHARS[1:]}][{_SPACE_CHARS}]*| [{_SPACE_CHARS}]+")
_ASCII_SPACE_RUNS = re.compile("  +")
# whitespace that str.strip() removes but _SPACES and _CONTROL leave: such texts take the per-line path
_OTHER_WHITESPACE = re.compile("[\r\u1680\u2028\u2029]")


# the members of _CONTROL, _OTHER_WHITESPACE and _SPACE_CHARS as sets (pinned to the classes by the tests)
CONTROL = frozenset(
    map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), 0x200B, 0x200E, 0x200F])
) | frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFEFF]))
OTHER_WHITESPACE = frozenset("\r\u1680\u2028\u2029")
SPACES = frozenset(map(chr, [0x09, 0xA0, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000]))  # but " "


def clean_whitespace(text: str, chars: frozenset[str] | None = None) -> str:
    """Runs of spaces to one, every line stripped, at most one blank line in a row, ends stripped.

    Whole-text regexes (C speed) where they give the same result as stripping line by line,
    which took more than half of the stage on long pages. `chars`: a superset of the text's
    characters outside ASCII and its ASCII controls (`text_chars`), which lets absent character
    classes skip their scans.
    """
    if chars is None:
        chars = text_chars(text)
    if not chars.isdisjoint(OTHER_WHITESPACE):
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    # each regex pass costs ~0.03 s per MB; a substring test first is ~10x cheaper. A run of space
    # characters becomes one space: every other space character becomes a space (`str.replace`, once
    # per character present), then runs of spaces become one
    for space in SPACES.intersection(chars):
        text = text.replace(space, " ")
    if "  " in text:
        text = _ASCII_SPACE_RUNS.sub(" ", text)
    # no two spaces in a row now: dropping the spaces beside each newline is two replacements
    if " \n" in text:
        text = text.replace(" \n", "\n")
    if "\n " in text:
        text = text.replace("\n ", "\n")
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


@register_stage
class NormalizeStage(RecordStage):
    """Makes text canonical so later signals and hashes are comparable.

    Signals: `mojibake_fixed` (ftfy changed the text), `chars_removed` (control characters).
    Drops records that are empty after normalisation (reason `empty`) or shorter than `min_chars`.
    """

    name = "normalize"
    version = "1"

    def __init__(self, context: StageContext, *, fix_mojibake: bool = True, min_chars: int = 1) -> None:
        super().__init__(context)
        self.fix_mojibake = fix_mojibake
        self.min_chars = min_chars

    def apply(self, record: Record) -> str | None:
        text = record.text
        fixed = False
        chars: frozenset[str] | None = text_chars(text)
        if self.fix_mojibake and may_change(text, chars):
            repaired = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False, fix_line_breaks=True)
            fixed = repaired != unicodedata.normalize("NFC", text)
            text = repaired
            chars = None
        else:  # without mojibake, ftfy would return exactly this (see _mojibake)
            clean = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
            if clean is not text:  # (normalize and replace return the text itself when it is unchanged)
                text, chars = clean, None
        before = len(text)
        if chars is None:
            chars = text_chars(text)
        if not chars.isdisjoint(CONTROL):
            text = _CONTROL.sub("", text)
        removed = before - len(text)
        # removing characters leaves `chars` a superset, which is all clean_whitespace needs
        text = clean_whitespace(text, chars)
        record.text = text
        record.annotations[self.name] = {"mojibake_fixed": fixed, "chars_removed": removed}
        if not text:
            return "empty"
        if len(text) < self.min_chars:
            return "too_short"
        return None
