"""Type detection: magic bytes first, text sniffing second, the extension only breaks ties."""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import zipfile

import pytest

from dataharbor.evaldata import evaldata_dir
from dataharbor.ingest.detect import detect_source_type, detect_type, sniff_encoding
from dataharbor.ingest.walk import source_from_bytes, source_from_path

DOCS = evaldata_dir() / "documents" / "unstructured_example_docs"


def _zip(members: dict[str, bytes], first: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        if first:
            zf.writestr(first, members.pop(first), compress_type=zipfile.ZIP_STORED)
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n...", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"II*\x00\x08\x00\x00\x00", "image/tiff"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00", "image/bmp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"OggS\x00\x02" + b"\x00" * 22 + b"\x01vorbis", "audio/ogg"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "video/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"\x1f\x8b\x08\x00", "gzip"),
        (b"BZh91AY&SY", "bzip2"),
        (b"\xfd7zXZ\x00\x00", "xz"),
        (b"", "empty"),
    ],
)
def test_magic_bytes(head: bytes, expected: str) -> None:
    assert detect_type(head, "whatever.txt") == expected


def test_content_wins_over_extension() -> None:
    assert detect_type(b"%PDF-1.4\n", "report.docx") == "pdf"
    assert detect_type(b"<!DOCTYPE html><html><body><p>x</p></body></html>", "page.txt") == "html"
    assert detect_type(os.urandom(4096), "notes.txt") == "binary"


def test_text_kinds() -> None:
    assert detect_type(b'{"text": "a"}\n{"text": "b"}\n', "data") == "jsonl"
    assert detect_type(b'[{"text": "a"},\n {"text": "b"}]', "data") == "json"
    assert detect_type(b'{\n  "text": "a"\n}\n', "data") == "json"
    assert detect_type(b"id,text\n1,hello\n2,world\n3,again\n", "data") == "csv"
    assert detect_type(b"id\ttext\n1\thello\n2\tworld\n", "x.tsv") == "tsv"
    assert detect_type(b"Hello, world. This is prose, with commas.\nAnother line here.\n", "a") == "text"
    assert detect_type(b"# Title\n\nSome *text* and a [link](http://x).\n", "README.md") == "markdown"


def test_zip_family_by_content(tmp_path: object) -> None:
    epub = _zip({"mimetype": b"application/epub+zip", "OEBPS/a.html": b"<p>x</p>"}, first="mimetype")
    assert detect_type(epub, "book.zip") == "epub"  # the first member names it: no need to look inside
    docx = _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"})
    assert detect_type(docx, "file.bin") == "zip"  # the head alone cannot tell
    assert detect_source_type(source_from_bytes("file.bin", docx)) == "docx"
    xlsx = _zip({"xl/workbook.xml": b"<x/>"})
    assert detect_source_type(source_from_bytes("a", xlsx)) == "xlsx"
    assert detect_source_type(source_from_bytes("a", _zip({"a.txt": b"hi"}))) == "zip"


def test_tar_and_gzip() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("a.txt")
        info.size = 2
        tf.addfile(info, io.BytesIO(b"hi"))
    assert detect_type(buf.getvalue(), "x") == "tar"
    assert detect_type(gzip.compress(buf.getvalue()), "x.tgz") == "gzip"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Grüße aus Köln, déjà vu, très élégant. " * 20, "cp1252"),
        ("Ceci est un texte en français, très déjà vu. " * 20, "latin-1"),
        ("日本語のテキストです。これはテストです。" * 20, "shift_jis"),
        ("Привет мир, это длинный тест кодировки текста. " * 20, "cp1251"),
    ],
)
def test_sniff_encoding_round_trips(text: str, encoding: str) -> None:
    data = text.encode(encoding)
    found = sniff_encoding(data)
    assert found is not None
    assert data.decode(found) == text


def test_utf16_with_and_without_bom() -> None:
    text = "Hello UTF-16 world, with accents: é à ü. " * 10
    assert sniff_encoding(text.encode("utf-16")) == "utf-16"
    assert detect_type(text.encode("utf-16"), "a.txt") == "text"
    assert sniff_encoding(text.encode("utf-16-le")) == "utf-16-le"


def test_real_documents_are_detected() -> None:
    expected = {
        "pdf/DA-1p.pdf": "pdf",
        "docx/handbook-1p.docx": "docx",
        "epub/winter-sports.epub": "epub",
        "html/example-10k-1p.html": "html",
        "pptx_xlsx_odt_rtf/vodafone.xlsx": "xlsx",
        "pptx_xlsx_odt_rtf/sample-presentation.pptx": "pptx",
        "pptx_xlsx_odt_rtf/eng_spa_mult.odt": "odt",
        "pptx_xlsx_odt_rtf/eng_spa_mult.rtf": "rtf",
        "images/DA-1p.jpg": "image/jpeg",
        "images/english-and-korean.png": "image/png",
    }
    for rel, kind in expected.items():
        assert detect_source_type(source_from_path(DOCS / rel)) == kind, rel


def test_json_detection_on_truncated_head() -> None:
    big = json.dumps([{"text": "x" * 100, "n": i} for i in range(2000)]).encode()
    assert detect_type(big[:65536], "dump") == "json"
