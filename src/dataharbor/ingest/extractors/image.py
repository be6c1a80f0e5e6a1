"""Images (PNG, JPEG, TIFF incl. multi-page, WebP, BMP, GIF): OCR, one record per image or TIFF page.

Every limit is checked on the header, before a pixel is decoded: PIL's `Image.open` reads only
the header, so the declared size, side and frame count are refused first (decompression bombs,
absurd dimensions); a truncated or corrupt body fails at decode with its own reason. A multi-page
TIFF gives one record per page with location `{"page": n}`; animated GIF/WebP are read from their
first frame only (animations rarely carry new text per frame; video has its own extractor).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, ClassVar

from dataharbor.ingest.extractor import Extracted, ExtractionError, ExtractOptions, Limits, Source, register_extractor
from dataharbor.ingest.extractors._common import ReportingExtractor, require_media, seekable, split_points

IMAGE_TYPES = ("image/png", "image/jpeg", "image/tiff", "image/webp", "image/bmp", "image/gif")
MULTI_PAGE_FORMATS = ("TIFF",)  # other multi-frame formats are animations: first frame only


@register_extractor
class ImageExtractor(ReportingExtractor):
    name: ClassVar[str] = "image"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = IMAGE_TYPES

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        from dataharbor.ingest.ocr import require_ocr

        require_media(require_ocr)
        with source.open() as raw, seekable(raw, options.limits.max_member_bytes) as fh:
            yield from self._frames(fh, options)

    def _frames(self, fh: IO[bytes], options: ExtractOptions) -> Iterator[Extracted]:
        image = open_image(fh, options.limits)
        with image:
            frames = frame_count(image, options.limits)
            paged = frames > 1
            for index in range(frames):
                if index:
                    seek_frame(image, index, options.limits)
                location: dict[str, Any] = {"page": index + 1} if paged else {}
                decode(image)
                yield from self._ocr(image, location, str(image.format or ""), frames, options)

    def _ocr(
        self, frame: Any, location: dict[str, Any], fmt: str, frames: int, options: ExtractOptions
    ) -> Iterator[Extracted]:
        from dataharbor.ingest.ocr import ocr_image, perceptual_hash

        result = ocr_image(frame, options.languages)
        if not result.text.strip():
            self.report(location, "no_text_found", f"OCR found no text in this {fmt or 'image'}")
            return
        metadata: dict[str, Any] = {
            "ocr": ocr_metadata(result),
            "phash": perceptual_hash(frame),
            "width": frame.width,
            "height": frame.height,
            "format": fmt.lower(),
        }
        if frames > 1:
            metadata["page_count"] = frames
        spans = list(split_points(result.text, options.limits.max_record_chars))
        for start, end in spans:
            loc = {**location, "chars": [start, end]} if len(spans) > 1 else dict(location)
            yield Extracted(result.text[start:end], location=loc, metadata=dict(metadata), modality="image")


def ocr_metadata(result: Any) -> dict[str, Any]:
    """The `metadata["ocr"]` convention shared by images, scanned PDF pages and video frames."""
    return {
        "engine": result.engine,
        "confidence": result.confidence,
        "language": result.language,
        "lines": len(result.lines),
    }


@contextmanager
def pil_pixel_limit(pixels: int) -> Iterator[None]:
    """PIL's own bomb guard set from our limit for one call, then restored (it is process-wide)."""
    from PIL import Image

    previous = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # `check_size` is the rule
            yield
    finally:
        Image.MAX_IMAGE_PIXELS = previous


def open_image(fh: IO[bytes], limits: Limits) -> Any:
    """Open (header only) and check the declared size against the limits."""
    from PIL import Image, UnidentifiedImageError

    try:
        with pil_pixel_limit(limits.max_image_pixels):
            image = Image.open(fh)
    except Image.DecompressionBombError as exc:
        raise ExtractionError("decompression_bomb", str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise ExtractionError("corrupt_image", "the image header cannot be read") from exc
    except (OSError, ValueError, SyntaxError) as exc:  # PIL plugins raise these on malformed headers
        raise ExtractionError("corrupt_image", f"{type(exc).__name__}: {exc}") from exc
    check_size(image.size, limits)
    return image


def check_size(size: tuple[int, int], limits: Limits) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise ExtractionError("corrupt_image", f"declared size {width}x{height}")
    if max(width, height) > limits.max_image_side:
        raise ExtractionError("image_too_large", f"{width}x{height}: a side exceeds {limits.max_image_side} pixels")
    if width * height > limits.max_image_pixels:
        raise ExtractionError(
            "decompression_bomb", f"{width}x{height} = {width * height} pixels (limit {limits.max_image_pixels})"
        )


def frame_count(image: Any, limits: Limits) -> int:
    if image.format not in MULTI_PAGE_FORMATS:
        return 1
    try:
        frames = int(getattr(image, "n_frames", 1))
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        raise ExtractionError("corrupt_image", f"cannot count the TIFF pages: {exc}") from exc
    if frames > limits.max_image_frames:
        raise ExtractionError("too_many_frames", f"{frames} pages (limit {limits.max_image_frames})")
    return max(frames, 1)


def seek_frame(image: Any, index: int, limits: Limits) -> None:
    try:
        image.seek(index)
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        raise ExtractionError("corrupt_image", f"page {index + 1}: {exc}") from exc
    check_size(image.size, limits)  # each TIFF page declares its own size


def decode(image: Any) -> None:
    """Decode the current frame; a truncated or corrupt body is a recorded failure."""
    from PIL import Image

    try:
        with pil_pixel_limit(image.width * image.height):  # already checked against the limits
            image.load()
    except Image.DecompressionBombError as exc:
        raise ExtractionError("decompression_bomb", str(exc)) from exc
    except OSError as exc:
        reason = "truncated_image" if "truncated" in str(exc).lower() else "corrupt_image"
        raise ExtractionError(reason, f"{type(exc).__name__}: {exc}") from exc
    except (ValueError, SyntaxError, EOFError, MemoryError) as exc:
        raise ExtractionError("corrupt_image", f"{type(exc).__name__}: {exc}") from exc
