"""Page layout from Tesseract: text lines with their boxes, words and confidence, in reading order.

Tesseract's page segmentation finds columns and blocks and orders them; RapidOCR's own detector
reads straight across columns, so its boxes are used only where Tesseract has no language.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

TIMEOUT_S = 300  # one page; a hostile image must not hold a worker forever
# A word gap this many line heights wide inside a "line" is a gutter between two columns that
# Tesseract read as one line; both sides must hold a few words (table cells are left whole).
SPLIT_GAP_LINES = 3.0
SPLIT_MIN_WORDS = 3
_OPTION = re.compile(r"[a-z_][a-z0-9_]*=[A-Za-z0-9_.+-]+")
SPLIT_BLOCK = 500  # added to the block id of the right-hand part (paragraph numbers stay below it)


@dataclass(slots=True)
class LayoutLine:
    bbox: tuple[int, int, int, int]
    block: int
    words: list[str] = field(default_factory=list)
    confs: list[float] = field(default_factory=list)
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)  # one per word

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def confidence(self) -> float:
        return sum(self.confs) / len(self.confs) / 100.0 if self.confs else 0.0

    @property
    def height(self) -> int:
        return self.bbox[3] - self.bbox[1]


def tesseract_lines(
    image: Image.Image, lang: str, psm: int = 3, split: bool = False, options: Sequence[str] = ()
) -> list[LayoutLine]:
    """The text lines Tesseract finds, in its reading order, each with its words and confidences;
    `split`: lines joined across a gutter are cut in two (for ocr/order.py, which needs columns apart);
    `options`: Tesseract parameters as "name=value" (its `-c`), e.g. "textord_tabfind_find_tables=0"."""
    import pytesseract

    config = " ".join([f"--psm {psm}", *(f"-c {_option(o)}" for o in options)])
    data: dict[str, list[Any]] = pytesseract.image_to_data(
        image, lang=lang, config=config, output_type=pytesseract.Output.DICT, timeout=TIMEOUT_S
    )
    lines: dict[tuple[int, int, int], LayoutLine] = {}
    for i, level in enumerate(data["level"]):
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        left, top = int(data["left"][i]), int(data["top"][i])
        box = (left, top, left + int(data["width"][i]), top + int(data["height"][i]))
        if level == 4:
            lines[key] = LayoutLine(box, block=key[0] * 1000 + key[1])
        elif level == 5 and key in lines:
            word = str(data["text"][i]).strip()
            conf = float(data["conf"][i])
            if word and conf >= 0:
                lines[key].words.append(word)
                lines[key].confs.append(conf)
                lines[key].boxes.append(box)
    found = [line for line in lines.values() if line.words]
    return [part for line in found for part in split_at_gutter(line)] if split else found


def _option(option: str) -> str:
    """A "name=value" Tesseract parameter, checked: it goes into a command line."""
    if not _OPTION.fullmatch(option):
        raise ValueError(f"not a Tesseract parameter assignment (name=value): {option!r}")
    return option


def split_at_gutter(line: LayoutLine) -> list[LayoutLine]:
    """The line cut where a word gap is as wide as a column gutter (reading order needs each column's lines)."""
    gap = SPLIT_GAP_LINES * max(line.height, 1)
    for k in range(SPLIT_MIN_WORDS, len(line.words) - SPLIT_MIN_WORDS + 1):
        if line.boxes[k][0] - line.boxes[k - 1][2] > gap:
            left = _part(line, 0, k, line.block)
            return [left, *split_at_gutter(_part(line, k, len(line.words), line.block + SPLIT_BLOCK))]
    return [line]


def _part(line: LayoutLine, start: int, stop: int, block: int) -> LayoutLine:
    boxes = line.boxes[start:stop]
    bbox = (min(b[0] for b in boxes), line.bbox[1], max(b[2] for b in boxes), line.bbox[3])
    return LayoutLine(bbox, block, line.words[start:stop], line.confs[start:stop], boxes)
