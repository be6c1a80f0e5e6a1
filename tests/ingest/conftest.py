"""Fixtures of the ingest tests: small images and PDFs rendered here (DejaVu fonts from Debian fonts-dejavu-core)
for OCR, and a synthetic spoken sentence in every audio format for speech transcription.

Test modules are imported in importlib mode (no shared helper modules), so the helpers reach them as
the `ocr_kit` and `speech_clips` fixtures.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont

from dataharbor.ingest.asr.normalize import edit_distance

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SENTENCE = "The harbour master counted forty-two ships before noon."
FRENCH = "Le garçon a déjà mangé une crème brûlée à l'hôtel."


class OcrKit:
    SENTENCE = SENTENCE
    FRENCH = FRENCH

    @staticmethod
    def text_image(lines: list[str], size: int = 30, width: int = 1100, mode: str = "RGB") -> Image.Image:
        font = ImageFont.truetype(FONT, size)
        lead = round(size * 1.6)
        image = Image.new("RGB", (width, 60 + lead * len(lines)), "white")
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(lines):
            draw.text((30, 30 + i * lead), line, font=font, fill="black")
        return image.convert(mode)

    @staticmethod
    def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **params)
        return buffer.getvalue()

    @staticmethod
    def image_pdf(images: list[Image.Image], dpi: int = 200) -> bytes:
        """A PDF whose pages are only pictures (a scan): no text layer at all."""
        document = pdfium.PdfDocument.new()
        try:
            for image in images:
                width, height = image.width * 72 / dpi, image.height * 72 / dpi
                page = document.new_page(width, height)
                obj = pdfium.PdfImage.new(document)
                bitmap = pdfium.PdfBitmap.from_pil(image.convert("RGB"))
                obj.set_bitmap(bitmap)
                obj.set_matrix(pdfium.PdfMatrix().scale(width, height))
                page.insert_obj(obj)
                page.gen_content()
                bitmap.close()
                page.close()
            buffer = io.BytesIO()
            document.save(buffer)
            return buffer.getvalue()
        finally:
            document.close()

    @staticmethod
    def merge_pdfs(parts: list[bytes]) -> bytes:
        document = pdfium.PdfDocument.new()
        try:
            for part in parts:
                source = pdfium.PdfDocument(part)
                document.import_pages(source)
                source.close()
            buffer = io.BytesIO()
            document.save(buffer)
            return buffer.getvalue()
        finally:
            document.close()

    @staticmethod
    def char_error_rate(hypothesis: str, reference: str) -> float:
        """Levenshtein distance / reference length, whitespace collapsed (line breaks do not count)."""
        hyp = " ".join(unicodedata.normalize("NFKC", hypothesis).split())
        ref = " ".join(unicodedata.normalize("NFKC", reference).split())
        return edit_distance(ref, hyp) / max(len(ref), 1)


@pytest.fixture
def ocr_kit() -> type[OcrKit]:
    return OcrKit


SPOKEN = "Please send the quarterly report to the research team before Friday morning."


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="session")
def speech_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """SPOKEN read by espeak-ng, as WAV, FLAC, MP3, OGG/Opus, M4A, AIFF and raw s16le 16 kHz mono PCM."""
    if not (shutil.which("ffmpeg") and shutil.which("espeak-ng")):
        pytest.skip("needs Debian ffmpeg and espeak-ng")
    d = tmp_path_factory.mktemp("speech")
    wav = d / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), SPOKEN], check=True)
    for ext, codec in (("flac", []), ("mp3", []), ("ogg", ["-c:a", "libopus"]), ("m4a", []), ("aiff", [])):
        ffmpeg("-i", str(wav), *codec, str(d / f"speech.{ext}"))
    ffmpeg("-i", str(wav), "-ar", "16000", "-ac", "1", "-f", "s16le", str(d / "speech.raw"))
    return {p.name: p for p in d.iterdir()}
