"""Image clean-up before OCR, each step applied only where it pays (measured on the tuning set).

- grayscale with transparency flattened on white (a transparent PNG is otherwise black on black),
- deskew by the horizontal projection profile (rows of text give the sharpest profile when level),
- background flattening when the lighting is uneven (a phone photo, a shadowed scan): Otsu's
  single threshold would otherwise turn the dark side into a black slab,
- median denoise when the page is speckled (isolated dark pixels), not on clean pages where it
  thins strokes,
- upscale when the text is small (decided from the line heights of a first layout pass),
- smoothing of 1-bit input (optional, `Settings.bilevel_smooth`): a bilevel scan's jagged, broken
  strokes given grey edges again, as the recognisers were trained on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageFilter, ImageOps

UNEVEN_BACKGROUND = 40  # grey levels between the page's lightest and darkest background
SPECKLE_RATIO = 0.05  # share of dark pixels with no dark neighbour above which we denoise
MAX_SKEW = 6.0  # degrees searched either way
MIN_SKEW = 0.2  # below this, rotating costs more sharpness than it gains


def to_gray(image: Image.Image) -> Image.Image:
    """An 8-bit grayscale copy of any PIL image (1-bit, palette, 16-bit, CMYK, with alpha)."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(image, dtype=np.float64)
        top = float(arr.max()) or 1.0
        return Image.fromarray((arr * (255.0 / top)).clip(0, 255).astype(np.uint8), "L")
    if image.mode == "F":
        arr = np.asarray(image, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        return Image.fromarray(((arr - lo) * scale).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("L")
    return image.convert("L")


def dark_mask(gray: Image.Image) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Text pixels by Otsu's threshold; a page that is mostly dark is treated as light-on-dark."""
    arr = np.asarray(gray, dtype=np.uint8)
    hist = np.bincount(arr.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return np.zeros(arr.shape, dtype=bool)
    cum = np.cumsum(hist)
    cum_mean = np.cumsum(hist * np.arange(256))
    w0 = cum / total
    w1 = 1.0 - w0
    mu0 = np.divide(cum_mean, cum, out=np.zeros(256), where=cum > 0)
    mu1 = np.divide(cum_mean[-1] - cum_mean, total - cum, out=np.zeros(256), where=(total - cum) > 0)
    threshold = int(np.argmax(w0 * w1 * (mu0 - mu1) ** 2))
    mask = arr <= threshold
    return ~mask if mask.mean() > 0.5 else mask


def is_inverted(gray: Image.Image) -> bool:
    """Light text on a dark ground: the median pixel (the ground, text being the minority) is dark.

    The median, not the mean: a shadowed page has a dark side but a light ground overall.
    """
    arr = np.asarray(gray, dtype=np.uint8)
    return bool(np.median(arr) < 100)


def speckle_ratio(mask: np.ndarray[Any, np.dtype[np.bool_]]) -> float:
    """Share of dark pixels that have no dark 8-neighbour (salt-and-pepper or sensor noise)."""
    if mask.size > 4_000_000:  # a central window is a fair sample and bounds the memory
        h, w = mask.shape
        side = 2000
        mask = mask[max(0, h // 2 - side // 2) : h // 2 + side // 2, max(0, w // 2 - side // 2) : w // 2 + side // 2]
    dark = int(mask.sum())
    if dark == 0:
        return 0.0
    padded = np.pad(mask, 1).astype(np.uint8)
    neighbours = sum(
        padded[1 + dy : padded.shape[0] - 1 + dy, 1 + dx : padded.shape[1] - 1 + dx]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
        if dy or dx
    )
    isolated = int((mask & (neighbours == 0)).sum())
    return isolated / dark


def skew_angle(mask: np.ndarray[Any, np.dtype[np.bool_]]) -> float:
    """The rotation (degrees, counter-clockwise) that makes text rows level, by projection profile."""
    if mask.sum() < 200:
        return 0.0
    image = Image.fromarray((mask * 255).astype(np.uint8), "L")
    scale = min(1.0, 900 / max(image.size))
    if scale < 1.0:
        image = image.resize(
            (max(1, int(image.width * scale)), max(1, int(image.height * scale))), Image.Resampling.BILINEAR
        )

    def sharpness(angle: float) -> float:
        rotated = np.asarray(image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False), dtype=np.float64)
        rows = rotated.sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(best - 0.5, best + 0.51, 0.1), key=sharpness)
    return float(round(fine, 2))


def deskew(gray: Image.Image, mask: np.ndarray[Any, np.dtype[np.bool_]]) -> tuple[Image.Image, float]:
    angle = skew_angle(mask)
    if abs(angle) < MIN_SKEW:
        return gray, 0.0
    return gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255), angle


def background(gray: Image.Image) -> Image.Image:
    """The paper without the ink: a max filter wider than a stroke on a reduced copy, smoothed."""
    small = gray.reduce(max(1, min(gray.size) // 400)) if min(gray.size) > 800 else gray
    paper = small.filter(ImageFilter.MaxFilter(7)).filter(ImageFilter.GaussianBlur(8))
    return paper.resize(gray.size, Image.Resampling.BILINEAR)


def background_range(paper: Image.Image) -> int:
    arr = np.asarray(paper, dtype=np.uint8)
    return int(np.percentile(arr, 95) - np.percentile(arr, 5))


def flatten(gray: Image.Image, paper: Image.Image) -> Image.Image:
    """Divide by the paper's brightness so that the whole page has a white ground."""
    ink = np.asarray(gray, dtype=np.float32)
    ground = np.maximum(np.asarray(paper, dtype=np.float32), 1.0)
    return Image.fromarray((ink * (255.0 / ground)).clip(0, 255).astype(np.uint8), "L")


def denoise(gray: Image.Image) -> Image.Image:
    return gray.filter(ImageFilter.MedianFilter(3))


def is_bilevel(gray: Image.Image) -> bool:
    """Only two grey levels (a 1-bit scan, whatever mode it was saved in)."""
    return sum(1 for count in gray.histogram() if count) <= 2


def smooth_bilevel(gray: Image.Image, factor: float, sigma: float) -> Image.Image:
    """A 1-bit page resized by `factor` (bicubic) and blurred by `sigma` input pixels: grey edges."""
    if factor != 1.0:
        size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
        gray = gray.resize(size, Image.Resampling.BICUBIC)
    return gray.filter(ImageFilter.GaussianBlur(sigma * factor)) if sigma > 0 else gray


def upscale(gray: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(gray.width * factor)), max(1, round(gray.height * factor)))
    return gray.resize(size, Image.Resampling.LANCZOS)


def normalise_polarity(gray: Image.Image) -> Image.Image:
    """Dark text on light ground (screenshots and slides are often light on dark)."""
    return ImageOps.invert(gray) if is_inverted(gray) else gray
