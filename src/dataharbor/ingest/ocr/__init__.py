"""OCR for images, scanned PDF pages and video frames (the `media` extra + Debian Tesseract).

    from dataharbor.ingest.ocr import ocr_image
    result = ocr_image(pil_image, languages=("en",))  # text in reading order, lines, confidence 0..1

Engines load lazily, once per process, one thread each. See docs/ocr.md for the design and the
measured character error rates.
"""

from __future__ import annotations

from dataharbor.ingest.ocr.engines import require_ocr
from dataharbor.ingest.ocr.hashing import perceptual_hash
from dataharbor.ingest.ocr.recognize import Settings, ocr_image
from dataharbor.ingest.ocr.types import OcrLine, OcrResult

__all__ = ["OcrLine", "OcrResult", "Settings", "ocr_image", "perceptual_hash", "require_ocr"]
