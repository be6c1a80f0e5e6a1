"""Perceptual hash of an image, for image-level duplicate detection (near-copies share it or differ by few bits)."""

from __future__ import annotations

from PIL import Image

from dataharbor.errors import MissingExtra


def perceptual_hash(image: Image.Image) -> str:
    """64-bit pHash (imagehash) as 16 hex digits; compare two with Hamming distance."""
    try:
        import imagehash
    except ImportError as exc:
        raise MissingExtra("image hashing", "imagehash", "media") from exc
    source = image if image.mode in ("L", "RGB") else image.convert("RGB")
    return str(imagehash.phash(source))
