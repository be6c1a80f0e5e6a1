"""The OCR engines, loaded once per process and limited to one thread each.

The pipeline runs extractors in a process pool with one worker per core, so an engine that
spreads over every core (onnxruntime's default, Tesseract's OpenMP) only adds contention.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from typing import Any

from dataharbor.errors import HarborError, MissingExtra

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


def rapid_recognize(crops: list[Any]) -> list[tuple[str, float, list[float]]]:
    """Recognition only, on line images (numpy BGR arrays), batched: (text, score 0..1, one probability
    per character of text) per crop."""
    if not crops:
        return []
    from rapidocr.ch_ppocr_rec import TextRecInput

    engine = rapid_engine()
    recognizer = engine._load_rec_model()  # the public call would also run detection/classification
    # return_word_box only adds the per-character probabilities (the CTC decoder has them anyway)
    out = recognizer(TextRecInput(img=crops, return_word_box=True))
    words = out.word_results or ()
    found = []
    for k, (text, score) in enumerate(zip(out.txts or (), out.scores or (), strict=False)):
        info = words[k] if k < len(words) else None
        confs = [float(c) for c in getattr(info, "confs", None) or ()]
        found.append((str(text), float(score), confs if len(confs) == len(str(text)) else []))
    return found


@functools.cache
def tessdata_dir() -> str | None:
    """Where Tesseract's language models are (from `tesseract --list-langs`); None when unknown."""
    binary = shutil.which("tesseract")
    if binary is None:
        return None
    try:
        out = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    first = (out.stdout.splitlines() or [""])[0]
    return first.split('"')[1] if first.count('"') >= 2 else None


class OcrToolError(HarborError):
    """One of Tesseract's command-line tools ran and failed."""


@functools.cache
def tesseract_words(lang: str) -> frozenset[str]:
    """The word list inside Tesseract's `lang` model (its LSTM dictionary: ~340 k English words, ~74 k
    French), unpacked with Tesseract's own tools; empty when they or the model are missing. Raises
    OcrToolError when a tool runs and fails (a broken model or install must not pass for "no list")."""
    folder, unpack, to_list = tessdata_dir(), shutil.which("combine_tessdata"), shutil.which("dawg2wordlist")
    if folder is None or unpack is None or to_list is None:
        return frozenset()
    model = os.path.join(folder, f"{lang}.traineddata")
    if not os.path.isfile(model):
        return frozenset()
    with tempfile.TemporaryDirectory(prefix="dataharbor-dawg-") as tmp:
        prefix = os.path.join(tmp, f"{lang}.")
        listed = os.path.join(tmp, "words.txt")
        _run_tool([unpack, "-u", model, prefix])
        _run_tool([to_list, f"{prefix}lstm-unicharset", f"{prefix}lstm-word-dawg", listed])
        try:
            with open(listed, encoding="utf-8", errors="replace") as fh:
                return frozenset(line.strip() for line in fh if line.strip())
        except OSError as exc:
            raise OcrToolError(f"{os.path.basename(to_list)} wrote no word list for {lang}: {exc}") from exc


def _run_tool(command: list[str], timeout: int = 60) -> None:
    """Run one of Tesseract's tools; OcrToolError (with the end of its stderr) when it fails."""
    name = os.path.basename(command[0])
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OcrToolError(f"{name} did not finish within {timeout} s") from exc
    except OSError as exc:
        raise OcrToolError(f"{name} could not be run: {exc}") from exc
    if done.returncode != 0:
        said = " ".join((done.stderr or done.stdout or "").split())[-300:]
        raise OcrToolError(f"{name} failed (exit code {done.returncode}): {said or 'no message'}")


def rapid_full(image: Any) -> list[tuple[list[list[float]], str, float]]:
    """RapidOCR's own detection + recognition (for scripts Tesseract lacks here): (box, text, score)."""
    engine = rapid_engine()
    # the engine keeps mode flags between calls: set all of them every time
    out = engine(image, use_det=True, use_cls=True, use_rec=True)
    if getattr(out, "boxes", None) is None or getattr(out, "txts", None) is None:
        return []
    return [(b.tolist(), str(t), float(s)) for b, t, s in zip(out.boxes, out.txts, out.scores, strict=False)]
