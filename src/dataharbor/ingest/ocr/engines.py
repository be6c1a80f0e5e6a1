"""The OCR engines, loaded once per process and limited to one thread each.

The pipeline runs extractors in a process pool with one worker per core, so an engine that
spreads over every core (onnxruntime's default, Tesseract's OpenMP) only adds contention.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from typing import Any

from dataharbor.errors import MissingExtra

# Tesseract reads this from its environment: set before the first call spawns it.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

INSTALL_HINT = "pip install 'dataharbor[media]' and apt-get install tesseract-ocr tesseract-ocr-eng"


def require_ocr() -> None:
    """Raise MissingExtra when an OCR component is missing (the `media` extra or the Tesseract binary)."""
    for module, package in (("pytesseract", "pytesseract"), ("rapidocr", "rapidocr"), ("onnxruntime", "onnxruntime")):
        try:
            __import__(module)
        except ImportError as exc:
            raise MissingExtra("OCR", package, "media") from exc
    if not tesseract_languages():
        raise MissingExtra("OCR", "tesseract-ocr (Debian package)", "media")


@functools.cache
def tesseract_languages() -> frozenset[str]:
    """Tesseract's installed language models; empty when the binary is missing."""
    binary = shutil.which("tesseract")
    if binary is None:
        return frozenset()
    try:
        out = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = out.stdout.splitlines()[1:]  # first line: 'List of available languages in "..."'
    return frozenset(x.strip() for x in lines if x.strip() and x.strip() != "osd")


@functools.cache
def rapid_engine() -> Any:
    """RapidOCR with the PP-OCR models shipped in its wheel, one onnxruntime thread per session."""
    from rapidocr import RapidOCR

    return RapidOCR(
        params={
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


def rapid_recognize(crops: list[Any]) -> list[tuple[str, float]]:
    """Recognition only, on line images (numpy BGR arrays), batched: (text, score 0..1) per crop."""
    if not crops:
        return []
    from rapidocr.ch_ppocr_rec import TextRecInput

    engine = rapid_engine()
    recognizer = engine._load_rec_model()  # the public call would also run detection/classification
    out = recognizer(TextRecInput(img=crops))
    return [(str(t), float(s)) for t, s in zip(out.txts or (), out.scores or (), strict=False)]


def rapid_full(image: Any) -> list[tuple[list[list[float]], str, float]]:
    """RapidOCR's own detection + recognition (for scripts Tesseract lacks here): (box, text, score)."""
    engine = rapid_engine()
    # the engine keeps mode flags between calls: set all of them every time
    out = engine(image, use_det=True, use_cls=True, use_rec=True)
    if getattr(out, "boxes", None) is None or getattr(out, "txts", None) is None:
        return []
    return [(b.tolist(), str(t), float(s)) for b, t, s in zip(out.boxes, out.txts, out.scores, strict=False)]
