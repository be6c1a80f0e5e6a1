"""The OCR tuning set: pages and lines rendered here with DejaVu fonts, then degraded like scans.

Nothing in it comes from evaldata/ocr (the held-out set): the text is lingua's English and French
test sentences (evaldata/text), the fonts are Debian's DejaVu, the degradations are ours.
Groups (`Sample.unit`): letter pages, book-like lines, 2-column layout pages, and 1-bit 300 dpi
"1990s scans" of letter and layout pages (`scan`, added for the per-word choice experiment with 8
pages; bench/accuracy/ocr.py tunes on 16 since the bilevel experiment: the first 8 are the same),
and 1993-style magazine pages drawn at 300 dpi and scanned to 1 bit (`magazine`, none unless asked
for: justified serif columns, running heads, screened halftones with captions, rules, slight skew).
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


# Where a magazine page's picture sits: in one column's flow, across the columns at the top, across two
# of three columns, or at the bottom across the page
MAGAZINE_FIGURES = ["column", "top", "column", "span2", "bottom"]


def render_magazine_page(rng: random.Random, lang: str, face: str, px: int, figure_at: str) -> tuple[Image.Image, str]:
    """A 1990s magazine page drawn at 300 dpi (letter size): a running head with the page number at
    the outer edge (and a rule under it), a title and sometimes a deck across the columns, a byline,
    2 or 3 justified serif columns with indented paragraphs (sometimes a rule in the gutter), a
    screened halftone photo with an italic caption, and sometimes a folio at the foot. Truth in the
    usual reading order: head, page number, title, deck, byline, then the columns left to right with
    a caption where its picture sits (after the columns when it spans the page at the bottom), foot."""
    width, height, margin, top_margin = 2550, 3300, rng.randint(190, 240), rng.randint(170, 220)
    columns = 3 if rng.random() < 0.35 else 2
    figure_at = "column" if figure_at == "span2" and columns == 2 else figure_at
    gutter = rng.randint(45, 75)
    col_w = (width - 2 * margin - gutter * (columns - 1)) // columns
    body = ImageFont.truetype(str(FONTS / face), px)
    bold = ImageFont.truetype(str(FONTS / BOLD[face]), round(px * rng.uniform(1.9, 2.6)))
    italic = ImageFont.truetype(str(FONTS / ITALIC[face]), round(px * 0.9))
    small = ImageFont.truetype(str(FONTS / face), round(px * 0.8))
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    pool = sentences(lang)
    lead = round(px * rng.uniform(1.15, 1.3))
    truth: list[str] = []
    right_page = rng.random() < 0.5

    def plain(text: str, font: ImageFont.FreeTypeFont, x: int, y: int) -> None:
        draw.text((x, y), text, font=font, fill=0)
        truth.append(text)

    def justified(words: list[str], font: ImageFont.FreeTypeFont, x: int, y: int, w: int, last: bool) -> None:
        widths = [font.getlength(word) for word in words]
        gap = font.getlength(" ") if last or len(words) < 2 else (w - sum(widths)) / (len(words) - 1)
        pos = float(x)
        for word, word_w in zip(words, widths, strict=True):
            draw.text((round(pos), y), word, font=font, fill=0)
            pos += word_w + gap
        truth.append(" ".join(words))

    # running head: section or magazine name on the inner side, page number on the outer side
    head = " ".join(rng.choice(pool).split()[: rng.randint(1, 3)]).upper().strip(".,;:")
    folio = str(rng.randint(12, 180))
    head_y = top_margin - round(px * 2.2)
    if right_page:
        plain(head, small, margin, head_y)
        plain(folio, small, width - margin - int(small.getlength(folio)), head_y)
    else:
        plain(folio, small, margin, head_y)
        plain(head, small, width - margin - int(small.getlength(head)), head_y)
    if rng.random() < 0.6:
        draw.line((margin, head_y + round(px * 1.15), width - margin, head_y + round(px * 1.15)), fill=0, width=3)
    y = top_margin
    title = " ".join(rng.choice(pool).rstrip(".").split()[: rng.randint(3, 8)])
    for line in wrap(title, bold, width - 2 * margin):
        plain(line, bold, margin, y)
        y += round(bold.size * 1.2)
    if rng.random() < 0.5:  # a deck: one or two italic lines under the title
        deck = ImageFont.truetype(str(FONTS / ITALIC[face]), round(px * 1.3))
        for line in wrap(rng.choice(pool), deck, width - 2 * margin):
            plain(line, deck, margin, y)
            y += round(deck.size * 1.25)
    plain(("By " if lang == "en" else "Par ") + " ".join(rng.choice(pool).split()[:2]).strip(".,;:"), small, margin, y)
    y += lead * 2

    def picture_and_caption(x: int, top: int, w: int, h: int) -> int:
        _halftone(page, (x, top, x + w, top + h), rng)
        cy = top + h + px // 2
        for line in wrap(" ".join(rng.choice(pool).split()[: rng.randint(8, 26)]), italic, w):
            plain(line, italic, x, cy)
            cy += round(italic.size * 1.2)
        return cy + lead

    bottom = height - top_margin
    foot = rng.random() < 0.3
    fig_h = rng.randint(600, 900)
    if figure_at == "top":
        y = picture_and_caption(margin, y, width - 2 * margin, fig_h)
    elif figure_at == "bottom":
        bottom -= fig_h + 4 * round(italic.size * 1.2) + lead
    span_bottom = -1
    figure_column = rng.randrange(columns) if figure_at == "column" else -1
    for col in range(columns):
        x, cy = margin + col * (col_w + gutter), y
        if figure_at == "span2" and col == 0:  # across the first two columns, at their top
            span_bottom = picture_and_caption(x, cy, 2 * col_w + gutter, rng.randint(500, 700))
        if figure_at == "span2" and col < 2:
            cy = span_bottom
        figure_y = rng.randint(cy + 300, max(cy + 301, bottom - 1200)) if col == figure_column else bottom
        while cy < bottom - lead * 3:
            if cy >= figure_y:
                cy = picture_and_caption(x, cy, col_w, rng.randint(450, 750))
                figure_y = bottom
                continue
            paragraph = " ".join(rng.sample(pool, rng.randint(2, 4))).split()
            indent = round(px * 1.5)
            lines: list[list[str]] = []
            current: list[str] = []
            for word in paragraph:
                room = col_w - (indent if not lines else 0)
                if current and body.getlength(" ".join([*current, word])) > room:
                    lines.append(current)
                    current = []
                current.append(word)
            lines.append(current)
            for k, words in enumerate(lines):
                if cy > bottom - lead or cy >= figure_y:
                    break
                shift = indent if k == 0 else 0
                justified(words, body, x + shift, cy, col_w - shift, last=k == len(lines) - 1)
                cy += lead
        if col and rng.random() < 0.3:  # a thin rule in the gutter
            gx = x - gutter // 2
            draw.line((gx, y, gx, bottom - lead * 3), fill=0, width=2)
    if figure_at == "bottom":
        picture_and_caption(margin, bottom + lead, width - 2 * margin, fig_h)
    if foot:
        plain(folio, small, (width - int(small.getlength(folio))) // 2, height - top_margin + px)
    return page, "\n".join(truth)


def _halftone(page: Image.Image, box: tuple[int, int, int, int], rng: random.Random) -> None:
    """A photo printed with a 45° dot screen (as magazines were), framed by a thin rule or not."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    nprng = np.random.default_rng(rng.randint(0, 2**31))
    small = nprng.random((max(h // 40, 2), max(w // 40, 2))) * 255
    photo = np.asarray(Image.fromarray(small.astype(np.uint8), "L").resize((w, h), Image.Resampling.BICUBIC), float)
    period = rng.uniform(5.0, 8.0)  # 300 dpi / 40-60 lines per inch
    yy, xx = np.mgrid[0:h, 0:w]
    screen = (
        np.cos(2 * np.pi * (xx + yy) / (period * 1.414)) * np.cos(2 * np.pi * (xx - yy) / (period * 1.414)) + 1
    ) * 127.5
    dots = np.where(photo < screen, 0, 255).astype(np.uint8)
    page.paste(Image.fromarray(dots, "L"), (left, top))
    if rng.random() < 0.5:
        ImageDraw.Draw(page).rectangle(box, outline=0, width=2)


# 1990s office/magazine scans at 300 dpi, 1-bit: the print's edges blurred, scanner noise, then one
# global threshold (light settings break strokes, dark ones merge them), a slight skew and specks
SCANS = ["scan-mid", "scan-light", "scan-dark", "scan-mid+specks", "scan-light+skew", "scan-dark+specks"]


def scan(image: Image.Image, kind: str, rng: random.Random, enlarge: bool = True) -> Image.Image:
    """A 200 dpi rendering as a 300 dpi bilevel scan of its print (`kind`: see SCANS); `enlarge=False`:
    the rendering is at 300 dpi already (the random draws are the same either way)."""
    nprng = np.random.default_rng(rng.randint(0, 2**31))
    image = image.convert("L")
    if enlarge:
        image = image.resize((image.width * 3 // 2, image.height * 3 // 2), Image.Resampling.BICUBIC)
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
    seed: int = 7,
    pages: int = 14,
    lines: int = 24,
    layouts: int = 15,
    scans: int = 8,
    groups: str = "",
    magazines: int = 0,
) -> list[Sample]:
    """The samples; `groups`: a comma-separated subset of their units (page, line, layout, scan, magazine)."""
    wanted = set(groups.split(",")) if groups else {"page", "line", "layout", "scan", "magazine"}
    samples = _all_samples(seed, pages, lines, layouts, scans, wanted)
    if "magazine" in wanted:
        samples += _magazine_samples(seed, magazines)
    return [s for s in samples if s.unit in wanted]


# 1993 magazine scans: 300 dpi, 1-bit, serif; each threshold setting, with and without skew and specks
MAGAZINE_SCANS = [
    "scan-mid+skew",
    "scan-light+skew",
    "scan-dark+skew",
    "scan-mid+specks+skew",
    "scan-light",
    "scan-dark",
]


def _magazine_samples(seed: int, count: int) -> list[Sample]:
    rng = random.Random(seed + 3)  # its own stream: every other sample stays as it was
    out: list[Sample] = []
    for i in range(count):
        lang = "fr" if i % 5 == 4 else "en"
        kind = MAGAZINE_SCANS[i % len(MAGAZINE_SCANS)]
        face = ["DejaVuSerif.ttf", "DejaVuSerifCondensed.ttf"][i % 2]
        at = MAGAZINE_FIGURES[i % len(MAGAZINE_FIGURES)]
        image, truth = render_magazine_page(rng, lang, face, rng.randint(34, 42), at)
        name = f"magazine{i:02d}-{lang}-fig{at}-{kind}"
        out.append(Sample(name, scan(image, kind, rng, enlarge=False), truth, lang, "magazine", kind))
    return out


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
