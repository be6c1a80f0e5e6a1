"""What OCR returns: lines with boxes and confidence, in reading order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

Box = tuple[int, int, int, int]  # left, top, right, bottom


def median_height(boxes: Sequence[Box]) -> int:
    """The median height of `boxes` (the upper median; 0 for none): the page's line height."""
    if not boxes:
        return 0
    return sorted(b[3] - b[1] for b in boxes)[len(boxes) // 2]


@dataclass(slots=True)
class OcrLine:
    text: str
    bbox: Box  # in the input image's pixels
    confidence: float  # 0..1
    engine: str = ""  # which recogniser produced `text`
    block: int = 0  # layout block (column / paragraph group); a change starts a new paragraph


@dataclass(slots=True)
class OcrResult:
    text: str
    confidence: float  # character-weighted mean of the lines' confidences, 0..1 (0 when no text)
    lines: list[OcrLine] = field(default_factory=list)
    engine: str = ""
    language: str = ""  # ISO 639-1 codes joined by "+", as declared (default "en")
