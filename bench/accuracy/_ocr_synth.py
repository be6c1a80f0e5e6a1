"""The OCR tuning set: pages and lines rendered here with DejaVu fonts, then degraded like scans.

Nothing in it comes from evaldata/ocr (the held-out set): the text is lingua's English and French
test sentences (evaldata/text), the fonts are Debian's DejaVu, the degradations are ours.
Groups (`Sample.unit`): letter pages, book-like lines, 2-column layout pages, and 1-bit 300 dpi
"1990s scans" of letter and layout pages (`scan`, added for the per-word choice experiment with 8
pages; bench/accuracy/ocr.py tunes on 16 since the bilevel experiment: the first 8 are the same).
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


BOLD = {
    "DejaVuSerif.ttf": "DejaVuSerif-Bold.ttf",
    "DejaVuSans.ttf": "DejaVuSans-Bold.ttf",
    "DejaVuSerifCondensed.ttf": "DejaVuSerifCondensed-Bold.ttf",
}
ITALIC = {
    "DejaVuSerif.ttf": "DejaVuSerif-Italic.ttf",
    "DejaVuSans.ttf": "DejaVuSans-Oblique.ttf",
    "DejaVuSerifCondensed.ttf": "DejaVuSerifCondensed-Italic.ttf",
}
# where a page's figure sits: inside one column's flow, across the page at its top or bottom, or
# across the top with the caption beside the picture
FIGURES = ["column", "top", "column", "bottom", "beside"]


def render_layout_page(rng: random.Random, lang: str, face: str, px: int, figure_at: str) -> tuple[Image.Image, str]:
    """A 2-column magazine-like page at 200 dpi: sometimes a running head and page number, a title
    and a byline across both columns, bold subheads, a picture (a halftone or grey photo, or a drawn
    chart) with an italic caption (`figure_at`: see FIGURES). The truth follows the usual reading
    order: running head, title, byline, a figure's caption where the figure sits (in its column's
    flow, or before/after the columns when it spans them), left column before right."""
    width, height, margin, gutter = 1700, 2200, 150, rng.choice([50, 80, 110])
    col_w = (width - 2 * margin - gutter) // 2
    body = ImageFont.truetype(str(FONTS / face), px)
    bold = ImageFont.truetype(str(FONTS / BOLD[face]), px)
    title_font = ImageFont.truetype(str(FONTS / BOLD[face]), round(px * 1.7))
    caption_font = ImageFont.truetype(str(FONTS / ITALIC[face]), round(px * 0.85))
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    pool = sentences(lang)
    lead = round(px * 1.45)
    ink = rng.randint(0, 40)
    truth: list[str] = []

    def text_lines(lines: list[str], font: ImageFont.FreeTypeFont, x: int, y: int, step: int) -> int:
        for line in lines:
            draw.text((x, y), line, font=font, fill=ink)
            truth.append(line)
            y += step
        return y

    y = margin
    if rng.random() < 0.5:  # a running head with the page number at the right
        head_font = ImageFont.truetype(str(FONTS / face), round(px * 0.8))
        text_lines([" ".join(rng.choice(pool).split()[:3]).upper()], head_font, margin, margin - px * 2, lead)
        folio = str(rng.randint(2, 180))
        text_lines([folio], head_font, width - margin - int(head_font.getlength(folio)), margin - px * 2, lead)
    title = " ".join(rng.choice(pool).rstrip(".").split()[: rng.randint(4, 9)])
    y = text_lines(wrap(title, title_font, width - 2 * margin), title_font, margin, y, round(px * 2.3))
    byline = " ".join(rng.choice(pool).split()[: rng.randint(2, 4)])
    y = text_lines([byline], caption_font, margin, y + px // 2, lead) + lead

    def figure(x: int, top: int, w: int, h: int, beside: bool = False) -> int:
        """A picture and its caption below it (or beside it, bottom-aligned); returns the y below both."""
        caption = " ".join(rng.choice(pool).split()[: rng.randint(6, 22)])
        step = round(px * 1.2)
        if not beside:
            _picture(page, (x, top, x + w, top + h), rng)
            return text_lines(wrap(caption, caption_font, w), caption_font, x, top + h + px // 2, step)
        picture_w = w * rng.randint(55, 65) // 100
        _picture(page, (x, top, x + picture_w, top + h), rng)
        lines = wrap(caption, caption_font, w - picture_w - px)
        text_lines(lines, caption_font, x + picture_w + px, top + h - len(lines) * step, step)
        return top + h

    bottom = height - margin
    if figure_at in ("top", "beside"):
        y = figure(margin, y, width - 2 * margin, rng.randint(350, 550), beside=figure_at == "beside") + lead
    elif figure_at == "bottom":
        fig_h = rng.randint(350, 550)
        bottom = height - margin - fig_h - 3 * round(px * 1.2) - lead  # room for a caption of up to 3 lines
    figure_column = rng.randint(0, 1) if figure_at == "column" else -1
    for col in range(2):
        x, cy = margin + col * (col_w + gutter), y
        figure_y = rng.randint(y + 200, bottom - 800) if col == figure_column else bottom
        while cy < bottom - lead * 4:
            if cy >= figure_y:
                cy = figure(x, cy, col_w, rng.randint(250, 450)) + lead
                figure_y = bottom
                continue
            if rng.random() < 0.3:  # a short block: a bold subhead
                words = rng.choice(pool).split()[: rng.randint(2, 5)]
                while len(words) > 1 and bold.getlength(" ".join(words)) > col_w:
                    words.pop()
                head = " ".join(words)
                cy = text_lines([head], bold, x, cy + lead // 3, lead)
            paragraph = " ".join(rng.sample(pool, rng.randint(1, 3)))
            for line in wrap(paragraph, body, col_w):
                if cy > bottom - lead or cy >= figure_y:
                    break
                cy = text_lines([line], body, x, cy, lead)
            cy += lead // 2
    if figure_at == "bottom":
        figure(margin, bottom + lead, width - 2 * margin, fig_h)
    return page, "\n".join(truth)


def _picture(page: Image.Image, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """Photo-like smoothed noise, or a framed bar chart without labels."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    nprng = np.random.default_rng(rng.randint(0, 2**31))
    if rng.random() < 0.7:
        small = nprng.random((max(h // 16, 2), max(w // 16, 2))) * 255
        photo = Image.fromarray(small.astype(np.uint8), "L").resize((w, h), Image.Resampling.BICUBIC)
        arr = np.asarray(photo, dtype=np.float64) + nprng.normal(0, 25, (h, w))
        photo = Image.fromarray(arr.clip(0, 255).astype(np.uint8), "L")
        if rng.random() < 0.5:  # printed photos are halftones: dots, as a 1-bit scanner sees them
            photo = photo.convert("1").convert("L")
        page.paste(photo, (left, top))
        return
    draw = ImageDraw.Draw(page)
    draw.rectangle(box, outline=0, width=3)
    bars = rng.randint(4, 9)
    step = (w - 40) // bars
    for i in range(bars):
        bar_h = rng.randint(h // 8, h - 40)
        x = left + 20 + i * step
        draw.rectangle((x, bottom - 20 - bar_h, x + step * 2 // 3, bottom - 20), fill=rng.choice([0, 90, 160]))


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


# 1990s office/magazine scans at 300 dpi, 1-bit: the print's edges blurred, scanner noise, then one
# global threshold (light settings break strokes, dark ones merge them), a slight skew and specks
SCANS = ["scan-mid", "scan-light", "scan-dark", "scan-mid+specks", "scan-light+skew", "scan-dark+specks"]


def scan(image: Image.Image, kind: str, rng: random.Random) -> Image.Image:
    """A 200 dpi rendering as a 300 dpi bilevel scan of its print (`kind`: see SCANS)."""
    nprng = np.random.default_rng(rng.randint(0, 2**31))
    image = image.convert("L").resize((image.width * 3 // 2, image.height * 3 // 2), Image.Resampling.BICUBIC)
    if "skew" in kind:
        angle = rng.choice([-1, 1]) * rng.uniform(0.3, 1.2)
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.9, 1.4)))
    arr = np.asarray(image, dtype=np.float64)
    grain = np.asarray(
        Image.fromarray((nprng.random((arr.shape[0] // 2, arr.shape[1] // 2)) * 255).astype(np.uint8), "L").resize(
            (arr.shape[1], arr.shape[0]), Image.Resampling.BILINEAR
        ),
        dtype=np.float64,
    )
    arr = arr + (grain - 127.5) * rng.uniform(0.25, 0.45) + nprng.normal(0, 12, arr.shape)
    threshold = {"scan-mid": 140, "scan-light": 110, "scan-dark": 180}[kind.split("+")[0]] + rng.randint(-10, 10)
    ink = arr < threshold
    if "specks" in kind:
        speck = nprng.random(ink.shape)
        ink[speck < 0.0015] = True
        ink[speck > 0.9995] = False
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), "L").convert("1")


def tuning_set(
    seed: int = 7, pages: int = 14, lines: int = 24, layouts: int = 15, scans: int = 8, groups: str = ""
) -> list[Sample]:
    """The samples; `groups`: a comma-separated subset of their units (page, line, layout, scan)."""
    wanted = set(groups.split(",")) if groups else {"page", "line", "layout", "scan"}
    return [s for s in _all_samples(seed, pages, lines, layouts, scans, wanted) if s.unit in wanted]


def _all_samples(seed: int, pages: int, lines: int, layouts: int, scans: int, wanted: set[str]) -> list[Sample]:
    rng = random.Random(seed)
    out: list[Sample] = []
    for i in range(pages if wanted & {"page", "line"} else 0):
        lang = "en" if i % 3 else "fr"
        columns = 2 if i % 2 else 1
        kind = DEGRADATIONS[i % len(DEGRADATIONS)]
        face = FACES[i % len(FACES)]
        image, truth = render_page(rng, lang, columns, face, px=rng.randint(26, 32))
        out.append(
            Sample(f"page{i:02d}-{lang}-{columns}col-{kind}", degrade(image, kind, rng), truth, lang, "page", kind)
        )
    for i in range(lines if wanted & {"page", "line"} else 0):
        lang = "fr" if i % 4 else "en"
        kind = ["clean", "noise", "blur+bilevel", "thin", "small+jpeg", "shadow"][i % 6]
        image, truth = render_line(rng, lang, FACES[i % 2])
        out.append(Sample(f"line{i:02d}-{lang}-{kind}", degrade(image, kind, rng), truth, lang, "line", kind))
    rng = random.Random(seed + 1)  # its own stream: the pages and lines above stay exactly as they were
    for i in range(layouts if "layout" in wanted else 0):
        lang = "fr" if i % 4 == 3 else "en"
        kind = DEGRADATIONS[i % len(DEGRADATIONS)]
        face, at = FACES[i % len(FACES)], FIGURES[i % len(FIGURES)]
        image, truth = render_layout_page(rng, lang, face, rng.randint(24, 30), at)
        name = f"layout{i:02d}-{lang}-fig{at}-{kind}"
        out.append(Sample(name, degrade(image, kind, rng), truth, lang, "layout", kind))
    rng = random.Random(seed + 2)  # again its own stream: the samples above do not change
    for i in range(scans if "scan" in wanted else 0):
        lang = "fr" if i % 4 == 3 else "en"
        kind = SCANS[i % len(SCANS)]
        face = FACES[i % len(FACES)]
        if i % 2:  # magazine-like: title, columns, a picture and its caption, small type
            image, truth = render_layout_page(rng, lang, face, rng.randint(20, 26), FIGURES[i % len(FIGURES)])
        else:  # a report or letter page in two columns
            image, truth = render_page(rng, lang, 2, face, px=rng.randint(22, 28))
        out.append(Sample(f"scan{i:02d}-{lang}-{kind}", scan(image, kind, rng), truth, lang, "scan", kind))
    return out
