"""Images through the walker: OCR records with confidence and pHash, multi-page TIFF, and every limit."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from PIL import Image

from dataharbor.evaldata import evaldata_dir
from dataharbor.ingest.extractor import Extracted, ExtractOptions, Limits
from dataharbor.ingest.ocr import engines
from dataharbor.ingest.walk import MemberFailure, source_from_bytes, source_from_path, walk


def run(name: str, data: bytes, options: ExtractOptions | None = None) -> tuple[list[Extracted], list[MemberFailure]]:
    out = list(walk(source_from_bytes(name, data), options))
    return [x for x in out if isinstance(x, Extracted)], [x for x in out if isinstance(x, MemberFailure)]


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` and carries a few bytes of compressed zeros (a bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b"")
    )


def test_png_gives_one_image_record(ocr_kit: Any) -> None:
    records, failures = run("note.png", ocr_kit.encode(ocr_kit.text_image([ocr_kit.SENTENCE]), "PNG"))
    assert failures == []
    [record] = records
    assert ocr_kit.char_error_rate(record.text, ocr_kit.SENTENCE) < 0.03
    assert record.modality == "image" and record.extractor == "image" and record.location == {}
    ocr = record.metadata["ocr"]
    assert ocr["engine"] == "tesseract+rapidocr" and ocr["language"] == "en" and ocr["lines"] == 1
    assert 0.8 < ocr["confidence"] <= 1.0
    assert len(record.metadata["phash"]) == 16
    assert (record.metadata["width"], record.metadata["height"]) == (1100, 108)


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "scan.png"), ("WEBP", "scan.webp"), ("BMP", "scan.bmp")])
def test_other_formats_detected_by_content(ocr_kit: Any, fmt: str, name: str) -> None:
    """A JPEG named .png is read as the JPEG it is."""
    data = ocr_kit.encode(ocr_kit.text_image([ocr_kit.FRENCH]), fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    records, failures = run(name, data, ExtractOptions(languages=("fr",)))
    assert failures == []
    assert ocr_kit.char_error_rate(records[0].text, ocr_kit.FRENCH) < 0.05
    assert records[0].metadata["format"] == fmt.lower() and records[0].metadata["ocr"]["language"] == "fr"


def test_multi_page_tiff_gives_a_record_per_page(ocr_kit: Any) -> None:
    pages = [
        ocr_kit.text_image(["First page of the ship log."], mode="1"),
        Image.new("1", (800, 200), 1),  # a blank page
        ocr_kit.text_image(["Third page lists the crew."], mode="1"),
    ]
    buffer = io.BytesIO()
    pages[0].save(buffer, "TIFF", save_all=True, append_images=pages[1:], compression="group4")
    records, failures = run("log.tif", buffer.getvalue())
    assert [(r.location, r.text) for r in records] == [
        ({"page": 1}, "First page of the ship log."),
        ({"page": 3}, "Third page lists the crew."),
    ]
    assert records[0].metadata["page_count"] == 3
    assert [(f.reason, f.fatal, f.location) for f in failures] == [("no_text_found", False, {"page": 2})]
    _, failures = run("log.tif", buffer.getvalue(), ExtractOptions(limits=Limits(max_image_frames=2)))
    assert [(f.reason, f.fatal) for f in failures] == [("too_many_frames", True)]


def test_photo_without_text_is_a_non_fatal_problem() -> None:
    image = Image.linear_gradient("L").resize((300, 300)).convert("RGB")
    records, failures = run("sky.jpg", _encode(image, "JPEG"))
    assert records == []
    assert [(f.reason, f.fatal) for f in failures] == [("no_text_found", False)]


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def test_decompression_bomb_and_absurd_sizes_are_refused_before_decoding() -> None:
    _, failures = run("bomb.png", png_header_only(30_000, 30_000))  # 900 M pixels declared in ~100 bytes
    assert [f.reason for f in failures] == ["decompression_bomb"]
    _, failures = run("strip.png", png_header_only(60_000, 10))  # few pixels, absurd side
    assert [f.reason for f in failures] == ["image_too_large"]
    small = ExtractOptions(limits=Limits(max_image_pixels=10_000))
    _, failures = run("ok.png", _encode(Image.new("L", (200, 200), 255), "PNG"), small)
    assert [f.reason for f in failures] == ["decompression_bomb"]


def test_truncated_and_corrupt_images(ocr_kit: Any) -> None:
    data = ocr_kit.encode(ocr_kit.text_image([ocr_kit.SENTENCE]), "PNG")
    _, failures = run("cut.png", data[: len(data) // 2])
    assert [f.reason for f in failures] == ["truncated_image"]
    jpeg = ocr_kit.encode(ocr_kit.text_image([ocr_kit.SENTENCE]), "JPEG")
    _, failures = run("cut.jpg", jpeg[: len(jpeg) // 3])
    assert [f.reason for f in failures] == ["truncated_image"]
    _, failures = run("bad.png", data[:16] + b"\xff" * 200)
    assert [f.reason for f in failures] == ["corrupt_image"]


def test_missing_ocr_engine_fails_images_with_the_install_hint(ocr_kit: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines.shutil, "which", lambda name: None)  # as on a machine without Tesseract
    engines.tesseract_languages.cache_clear()
    try:
        _, failures = run("note.png", ocr_kit.encode(ocr_kit.text_image([ocr_kit.SENTENCE]), "PNG"))
    finally:
        monkeypatch.undo()
        engines.tesseract_languages.cache_clear()
    assert [f.reason for f in failures] == ["missing_extra:media"]
    assert "dataharbor[media]" in failures[0].detail


def test_real_scanned_page_from_evaldata() -> None:
    """phototest.tif (Tesseract's test page, 1-bit): one record with most words right."""
    path = evaldata_dir() / "ocr" / "tesseract_test" / "phototest.tif"
    out = list(walk(source_from_path(path)))
    records = [x for x in out if isinstance(x, Extracted)]
    assert len(records) == 1 and records[0].location == {}
    assert "quick brown dog jumped" in records[0].text
