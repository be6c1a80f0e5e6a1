"""Page layout from Tesseract: text lines with their boxes, words and confidence, in reading order.

Tesseract's page segmentation finds columns and blocks and orders them; RapidOCR's own detector
reads straight across columns, so its boxes are used only where Tesseract has no language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PIL import Image

TIMEOUT_S = 300  # one page; a hostile image must not hold a worker forever


@dataclass(slots=True)
class LayoutLine:
    bbox: tuple[int, int, int, int]
    block: int
    words: list[str] = field(default_factory=list)
    confs: list[float] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def confidence(self) -> float:
        return sum(self.confs) / len(self.confs) / 100.0 if self.confs else 0.0

    @property
    def height(self) -> int:
        return self.bbox[3] - self.bbox[1]


def tesseract_lines(image: Image.Image, lang: str, psm: int = 3) -> list[LayoutLine]:
    """The text lines Tesseract finds, in its reading order, each with its words and confidences."""
    import pytesseract

    data: dict[str, list[Any]] = pytesseract.image_to_data(
        image, lang=lang, config=f"--psm {psm}", output_type=pytesseract.Output.DICT, timeout=TIMEOUT_S
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
    return [line for line in lines.values() if line.words]
