"""normalize: repair mojibake, NFC, and clean whitespace and control characters."""

from __future__ import annotations

import re
import unicodedata

import ftfy

from dataharbor.domain.record import Record
from dataharbor.pipeline.stage import RecordStage, StageContext, register_stage
from dataharbor.pipeline.stages._mojibake import may_change

# C0/C1 controls except tab and newline; also zero-width/bidi marks that break tokenisation
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


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
        if self.fix_mojibake and may_change(text):
            repaired = ftfy.fix_text(text, normalization="NFC", uncurl_quotes=False, fix_line_breaks=True)
            fixed = repaired != unicodedata.normalize("NFC", text)
            text = repaired
        else:  # without mojibake, ftfy would return exactly this (see _mojibake)
            text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
        before = len(text)
        text = _CONTROL.sub("", text)
        removed = before - len(text)
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
        record.text = text
        record.annotations[self.name] = {"mojibake_fixed": fixed, "chars_removed": removed}
        if not text:
            return "empty"
        if len(text) < self.min_chars:
            return "too_short"
        return None
