"""The OCR tuning set: pages and lines rendered here with DejaVu fonts, then degraded like scans.

Nothing in it comes from evaldata/ocr (the held-out set): the text is lingua's English and French
test sentences (evaldata/text), the fonts are Debian's DejaVu, the degradations are ours.
"""

from __future__ import annotations

import io
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from dataharbor.evaldata import evaldata_dir

FONTS = Path("/usr/share/fonts/truetype/dejavu")
FACES = ["DejaVuSerif.ttf", "DejaVuSans.ttf", "DejaVuSerifCondensed.ttf"]
DEGRADATIONS = ["clean", "noise", "blur+bilevel", "skew+noise", "small+jpeg", "thin", "shadow"]


@dataclass(slots=True)
class Sample:
    name: str
    image: Image.Image
    truth: str
    lang: str
    unit: str  # page | line
    degradation: str


def sentences(lang: str) -> list[str]:
    path = evaldata_dir() / "text" / "lingua_langid_testdata" / "language-testdata" / "sentences" / f"{lang}.txt"
    lines = [s.strip() for s in path.read_text("utf-8").splitlines() if 40 < len(s.strip()) < 220]
    # some lines carry C1 control characters where an apostrophe was: keep only printable ones
    return [s for s in lines if all(unicodedata.category(c)[0] != "C" for c in s)]


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if font.getlength(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def render_page(rng: random.Random, lang: str, columns: int, face: str, px: int) -> tuple[Image.Image, str]:
    """A letter-size page at 200 dpi: paragraphs in 1 or 2 columns; truth in reading order."""
    width, height, margin, gutter = 1700, 2200, 150, 80
    font = ImageFont.truetype(str(FONTS / face), px)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    col_w = (width - 2 * margin - gutter * (columns - 1)) // columns
    pool = sentences(lang)
    lead = round(px * 1.45)
    truth_lines: list[str] = []
    for col in range(columns):
        x, y = margin + col * (col_w + gutter), margin
        while y < height - margin - lead * 4:
            paragraph = " ".join(rng.sample(pool, rng.randint(2, 4)))
            for line in wrap(paragraph, font, col_w):
                if y > height - margin - lead:
                    break
                draw.text((x, y), line, font=font, fill=rng.randint(0, 40))
                truth_lines.append(line)
                y += lead
            y += lead // 2
    return page, "\n".join(truth_lines)


def render_line(rng: random.Random, lang: str, face: str) -> tuple[Image.Image, str]:
    """One printed line about 90 px high, like a line crop from a scanned book."""
    pool = [s for s in sentences(lang) if len(s) < 70]
    text = rng.choice(pool)
    font = ImageFont.truetype(str(FONTS / face), rng.randint(38, 50))
    w = int(font.getlength(text)) + 40
    image = Image.new("L", (w, 90), rng.randint(200, 245))
    ImageDraw.Draw(image).text((20, 18), text, font=font, fill=rng.randint(10, 60))
    return image, text


def degrade(image: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    """Apply each `+`-joined step in turn."""
    for step in kind.split("+"):
        image = _step(image, step, rng)
    return image


def _step(image: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    nprng = np.random.default_rng(rng.randint(0, 2**31))
    if kind == "clean":
        return image
    if kind == "noise":
        arr = np.asarray(image.convert("L"), dtype=np.float64) + nprng.normal(0, 45, (image.height, image.width))
        speck = nprng.random(arr.shape)
        arr[speck < 0.02] = 0
        arr[speck > 0.98] = 255
        return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "L")
    if kind == "blur":
        return image.filter(ImageFilter.GaussianBlur(1.5))
    if kind == "bilevel":  # a fax/G4-like scan: thick, merged strokes
        return image.convert("L").point(lambda v: 255 if v > 170 else 0).convert("1")
    if kind == "thin":  # a light scan: broken strokes
        return image.filter(ImageFilter.GaussianBlur(0.7)).point(lambda v: 255 if v > 100 else 0).convert("1")
    if kind == "skew":
        angle = rng.choice([-1, 1]) * rng.uniform(1.0, 3.0)
        return image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if kind == "small":  # ~100 dpi: x-height of 6-8 px
        return image.resize((image.width * 9 // 20, image.height * 9 // 20), Image.Resampling.BILINEAR)
    if kind == "jpeg":
        buffer = io.BytesIO()
        image.convert("L").save(buffer, "JPEG", quality=25)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    if kind == "shadow":  # uneven lighting, as on a phone photo of a page
        arr = np.asarray(image.convert("L"), dtype=np.float64)
        ramp = np.linspace(0.35, 1.0, arr.shape[1])[None, :] * np.linspace(0.6, 1.0, arr.shape[0])[:, None]
        arr = arr * ramp + nprng.normal(0, 12, arr.shape)
        return Image.fromarray(arr.clip(0, 255).astype(np.uint8), "L")
    raise ValueError(kind)


def tuning_set(seed: int = 7, pages: int = 14, lines: int = 24) -> list[Sample]:
    rng = random.Random(seed)
    out: list[Sample] = []
    for i in range(pages):
        lang = "en" if i % 3 else "fr"
        columns = 2 if i % 2 else 1
        kind = DEGRADATIONS[i % len(DEGRADATIONS)]
        face = FACES[i % len(FACES)]
        image, truth = render_page(rng, lang, columns, face, px=rng.randint(26, 32))
        out.append(
            Sample(f"page{i:02d}-{lang}-{columns}col-{kind}", degrade(image, kind, rng), truth, lang, "page", kind)
        )
    for i in range(lines):
        lang = "fr" if i % 4 else "en"
        kind = ["clean", "noise", "blur+bilevel", "thin", "small+jpeg", "shadow"][i % 6]
        image, truth = render_line(rng, lang, FACES[i % 2])
        out.append(Sample(f"line{i:02d}-{lang}-{kind}", degrade(image, kind, rng), truth, lang, "line", kind))
    return out
