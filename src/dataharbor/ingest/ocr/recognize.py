"""`ocr_image`: Tesseract finds the lines in reading order, RapidOCR re-reads each line crop, and the
more confident reading wins per line.

Measured on the tuning set (bench/accuracy/ocr.py --tune; synthetic pages, never the evaluation
data): RapidOCR's recogniser is the better reader of a well-cropped line, Tesseract the better
page segmenter; their confidences are on different scales, so Tesseract's reading replaces
RapidOCR's only when clearly surer (`Settings.tesseract_margin`).
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from dataharbor.ingest.ocr import bands, engines, figures, preprocess, rejoin, words
from dataharbor.ingest.ocr.languages import Plan, plan
from dataharbor.ingest.ocr.layout import LayoutLine, tesseract_lines
from dataharbor.ingest.ocr.order import reading_order
from dataharbor.ingest.ocr.types import OcrLine, OcrResult, median_height

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Settings:
    """Knobs chosen on the synthetic tuning set (see docs/ocr.md)."""

    min_line_px: int = 20  # median line height below which the page is upscaled ...
    target_line_px: int = 36  # ... to about this height
    max_upscale: float = 4.0
    max_upscaled_pixels: int = 60_000_000
    max_input_pixels: int = 40_000_000  # larger images are read downscaled (a 300 dpi A4 page is 8.7 M)
    denoise: bool = True  # median filter on speckled pages
    flatten: bool = True  # even out the lighting when the background varies
    deskew: bool = True
    pad_y: float = 0.15  # crop padding, as a share of the line height
    pad_x: float = 0.3
    use_rapid: bool = True
    rapid_below: float = 0.95  # RapidOCR re-reads only lines Tesseract is less sure of (it costs ~0.2 s a line)
    tesseract_margin: float = 0.15  # Tesseract's reading wins when its confidence exceeds RapidOCR's by this
    min_confidence: float = 0.35  # lines read with less confidence are layout noise (rules, specks, pictures)
    # where both engines read a line, settle each differing word on its own (dictionary, then confidence;
    # ocr/words.py) instead of keeping one engine's whole line: better on the synthetic tuning set, no
    # better on the held-out pages (English 5.26% -> 5.24%, eurotext 0.2% -> 0.7%; docs/ocr.md), so off
    word_choice: bool = False
    # reading order from the line boxes and pictures (ocr/order.py) instead of Tesseract's block order:
    # better on the synthetic layout pages, much worse on one held-out UNLV scan (docs/ocr.md), so off
    reorder: bool = False
    # 1-bit input (a bilevel scan) resized by `bilevel_upscale` and blurred by `bilevel_smooth` input
    # pixels before layout and recognition; 2.0 and 1.0 cut the synthetic 1-bit errors by a third but made
    # the held-out English pages worse (5.3% -> 6.7%; French lines 2.2% -> 1.9%; docs/ocr.md), so off
    bilevel_smooth: float = 0.0
    bilevel_upscale: float = 1.0
    # Layout tidying, chosen on the synthetic magazine pages (docs/ocr.md, "Layout tidying experiment"):
    # RapidOCR's line reading gets back the word spaces it ran together where Tesseract saw a gap between
    # words (ocr/words.restore_spaces; justified type) ...
    restore_spaces: bool = True
    # ... a running head (and a folio at the foot) is read first (last), not where Tesseract's blocks put
    # it (ocr/bands.band_order) ...
    page_bands: bool = True
    # ... and a justified line Tesseract cut in two at a wide word gap is read as one line (ocr/rejoin.py)
    rejoin: bool = True
    # a line across the columns (a deck, a caption under a wide picture) read before the lines under it
    # (ocr/bands.spanning_first): fewer errors on the synthetic magazine pages, but it misplaces lines on a
    # fragmented light French scan (docs/ocr.md), so off. With `reorder` none of the three steps above runs.
    spanning_first: bool = False
    # Tesseract parameters for its page layout ("name=value", its -c), e.g. "textord_heavy_nr=1"
    tesseract_options: tuple[str, ...] = ()


DEFAULT = Settings()


def ocr_image(image: Image.Image, languages: Sequence[str] = (), settings: Settings = DEFAULT) -> OcrResult:
    """Read the text of `image` in reading order; lines, boxes (input pixels) and confidences."""
    engines.require_ocr()
    the_plan = plan(tuple(languages))
    gray = preprocess.normalise_polarity(preprocess.to_gray(image))
    room = math.sqrt(settings.max_input_pixels / max(gray.width * gray.height, 1))  # the largest scale allowed
    pre = min(1.0, room)
    if pre < 1.0:  # resampled down: a 1-bit page gets grey edges anyway
        gray = preprocess.upscale(gray, pre)
    elif (settings.bilevel_smooth > 0 or settings.bilevel_upscale > 1.0) and preprocess.is_bilevel(gray):
        pre = min(settings.bilevel_upscale, room)
        gray = preprocess.smooth_bilevel(gray, pre, settings.bilevel_smooth)
    if gray.width < 4 or gray.height < 4:
        return _result([], the_plan, "tesseract")
    if the_plan.rapid_detects:
        return _rapid_only(gray, the_plan, pre)
    base = gray
    if settings.flatten:
        paper = preprocess.background(base)
        if preprocess.background_range(paper) > preprocess.UNEVEN_BACKGROUND:
            base = preprocess.flatten(base, paper)
    scale = 1.0
    work, angle = _clean(base, settings)
    lines = _layout(work, the_plan, settings)
    heights = sorted(line.height for line in lines)
    if heights and heights[len(heights) // 2] < settings.min_line_px:
        factor = min(settings.max_upscale, settings.target_line_px / max(heights[len(heights) // 2], 1))
        factor = min(factor, math.sqrt(settings.max_upscaled_pixels / (base.width * base.height)))
        if factor > 1.2:  # small text: upscale the page before denoising, which would erase its strokes
            scale = factor
            work, angle = _clean(preprocess.upscale(base, factor), settings)
            lines = _layout(work, the_plan, settings)
    read = _read_lines(work, lines, the_plan, settings)
    if settings.reorder:  # on the deskewed working image, where columns are upright
        read = _reorder(work, read)
    else:
        if settings.rejoin:
            read = rejoin.rejoin_lines(read)
        if settings.spanning_first:
            read = [read[i] for i in bands.spanning_first([line.bbox for line in read])]
        if settings.page_bands:
            read = [read[i] for i in bands.band_order([line.bbox for line in read])]
    mapper = _BoxMapper(angle, work.size, (round(base.width * scale), round(base.height * scale)), scale * pre)
    for line in read:
        line.bbox = mapper(line.bbox)
    engine = "tesseract+rapidocr" if settings.use_rapid and the_plan.tesseract_reads else "tesseract"
    if not the_plan.tesseract_reads:
        engine = "rapidocr"
    return _result(read, the_plan, engine)


def _clean(image: Image.Image, settings: Settings) -> tuple[Image.Image, float]:
    """Denoise when speckled, then deskew; returns the image and the rotation applied (degrees)."""
    mask = preprocess.dark_mask(image)
    if settings.denoise and preprocess.speckle_ratio(mask) > preprocess.SPECKLE_RATIO:
        image = preprocess.denoise(image)
        mask = preprocess.dark_mask(image)
    if not settings.deskew:
        return image, 0.0
    return preprocess.deskew(image, mask)


def _layout(image: Image.Image, the_plan: Plan, settings: Settings) -> list[LayoutLine]:
    split, options = settings.reorder, settings.tesseract_options
    lines = tesseract_lines(image, the_plan.tesseract, psm=3, split=split, options=options)
    if not lines:  # a lone line or sparse label: automatic segmentation may find no block
        lines = tesseract_lines(image, the_plan.tesseract, psm=6, split=split, options=options)
    return lines


def _read_lines(image: Image.Image, lines: list[LayoutLine], the_plan: Plan, settings: Settings) -> list[OcrLine]:
    if not the_plan.tesseract_reads:
        reread = list(range(len(lines)))
    elif settings.use_rapid:
        reread = [i for i, line in enumerate(lines) if line.confidence < settings.rapid_below]
    else:
        reread = []
    found = engines.rapid_recognize([_crop(image, lines[i].bbox, settings) for i in reread])
    rapid = dict(zip(reread, found, strict=False))
    by_word = settings.word_choice and the_plan.tesseract_reads
    dictionary = _dictionary(the_plan.tesseract) if by_word and rapid else frozenset()
    out: list[OcrLine] = []
    for i, line in enumerate(lines):
        text, conf, engine = line.text, line.confidence, "tesseract"
        if i in rapid:
            r_text, r_conf, r_chars = rapid[i][0], rapid[i][1], rapid[i][2]
            rapid_line = bool(r_text.strip()) and conf <= r_conf + settings.tesseract_margin
            if not the_plan.tesseract_reads or rapid_line:
                text, conf, engine = r_text.strip(), r_conf, "rapidocr"
                if settings.restore_spaces and the_plan.tesseract_reads and not by_word:  # combine re-reads it
                    text = words.restore_spaces(text, line.words, line.boxes, line.height)
            if by_word and r_text.strip():
                t_confs = [c / 100.0 for c in line.confs]
                text = words.combine(line.words, t_confs, r_text, r_chars, rapid_line, dictionary)
        text = " ".join(text.split())
        if not text or conf < settings.min_confidence:
            continue
        out.append(OcrLine(text, line.bbox, round(conf, 4), engine, line.block))
    return out


@functools.cache
def _dictionary(tesseract: str) -> frozenset[str]:
    """The word lists of Tesseract's models for `tesseract` ("eng+fra"), joined."""
    models = tesseract.split("+")
    found = frozenset().union(*(engines.tesseract_words(m) for m in models))
    if not found:  # once per language set (cached): the choice then rests on the engines' confidences alone
        log.warning(
            "OCR word choice: no word list for %s (Tesseract's combine_tessdata and dawg2wordlist, from the "
            "tesseract-ocr package, and the language's .traineddata are needed); choosing by confidence only",
            tesseract,
        )
    return found


def _reorder(image: Image.Image, lines: list[OcrLine]) -> list[OcrLine]:
    """Columns top to bottom, left first; each picture's caption read with the picture (ocr/order.py)."""
    if len(lines) < 2:
        return lines
    boxes = [line.bbox for line in lines]
    line_px = median_height(boxes)
    pictures = figures.picture_boxes(preprocess.dark_mask(image), boxes, line_px)
    blocks = [line.block for line in lines]
    found = [(p, figures.captions(p, boxes, blocks, line_px)) for p in pictures]
    return [lines[i] for i in reading_order(boxes, found)]


def _crop(image: Image.Image, bbox: tuple[int, int, int, int], settings: Settings) -> np.ndarray:
    left, top, right, bottom = bbox
    h = max(bottom - top, 1)
    pad_y, pad_x = round(h * settings.pad_y), round(h * settings.pad_x)
    box = (
        max(0, left - pad_x),
        max(0, top - pad_y),
        min(image.width, right + pad_x),
        min(image.height, bottom + pad_y),
    )
    crop = np.asarray(image.crop(box).convert("L"), dtype=np.uint8)
    return np.ascontiguousarray(np.repeat(crop[:, :, None], 3, axis=2))  # RapidOCR wants 3 channels (BGR)


def _rapid_only(gray: Image.Image, the_plan: Plan, pre: float) -> OcrResult:
    rgb = np.ascontiguousarray(np.repeat(np.asarray(gray, dtype=np.uint8)[:, :, None], 3, axis=2))
    found = engines.rapid_full(rgb)
    lines = []
    for box, text, score in found:
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        bbox = (round(min(xs) / pre), round(min(ys) / pre), round(max(xs) / pre), round(max(ys) / pre))
        if text.strip():
            lines.append(OcrLine(" ".join(text.split()), bbox, round(score, 4), "rapidocr", 0))
    return _result(lines, the_plan, "rapidocr")


def _result(lines: list[OcrLine], the_plan: Plan, engine: str) -> OcrResult:
    parts: list[str] = []
    for i, line in enumerate(lines):
        if i:
            parts.append("\n\n" if line.block != lines[i - 1].block else "\n")
        parts.append(line.text)
    chars = sum(len(line.text) for line in lines)
    confidence = sum(line.confidence * len(line.text) for line in lines) / chars if chars else 0.0
    return OcrResult("".join(parts), round(confidence, 4), lines, engine, the_plan.language)


class _BoxMapper:
    """Maps a box on the working image (upscaled by `scale`, then rotated by `angle`) to input pixels."""

    def __init__(self, angle: float, work_size: tuple[int, int], unrotated: tuple[int, int], scale: float) -> None:
        self.scale = scale
        self.cos, self.sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        self.work_center = (work_size[0] / 2, work_size[1] / 2)
        self.center = (unrotated[0] / 2, unrotated[1] / 2)
        self.limit = (unrotated[0] / scale, unrotated[1] / scale)

    def __call__(self, bbox: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        left, top, right, bottom = bbox
        xs, ys = [], []
        for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
            dx, dy = x - self.work_center[0], y - self.work_center[1]
            # PIL's rotate(angle) turns the picture counter-clockwise; undo it, then the scaling
            xs.append((self.center[0] + self.cos * dx - self.sin * dy) / self.scale)
            ys.append((self.center[1] + self.sin * dx + self.cos * dy) / self.scale)
        w, h = self.limit
        return (
            round(min(max(min(xs), 0), w)),
            round(min(max(min(ys), 0), h)),
            round(min(max(max(xs), 0), w)),
            round(min(max(max(ys), 0), h)),
        )
