"""HTML, DOCX, EPUB and PDF: real documents, and broken or hostile ones."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest

from dataharbor.evaldata import evaldata_dir
from dataharbor.ingest.extractor import Extracted, ExtractOptions, Limits
from dataharbor.ingest.walk import MemberFailure, source_from_bytes, source_from_path, walk

DOCS = evaldata_dir() / "documents"
EXAMPLES = DOCS / "unstructured_example_docs"


def run(
    source_or_path: Path | tuple[str, bytes], options: ExtractOptions | None = None
) -> tuple[list[Extracted], list[MemberFailure]]:
    if isinstance(source_or_path, Path):
        source = source_from_path(source_or_path)
    else:
        source = source_from_bytes(*source_or_path)
    out = list(walk(source, options))
    return [x for x in out if isinstance(x, Extracted)], [x for x in out if isinstance(x, MemberFailure)]


def make_pdf(pages: list[str | None], encrypted: bool = False) -> bytes:
    """A minimal PDF written by hand: one Helvetica text line per page, None = no text layer."""
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    font_id = 3 + 2 * len(pages)
    for i, text in enumerate(pages):
        content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    if encrypted:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"41" * 32 + b"> /U <" + b"42" * 32 + b"> /P -4 >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R".encode()
    if encrypted:
        trailer += f" /Encrypt {len(objects)} 0 R /ID [<{'ab' * 16}> <{'ab' * 16}>]".encode()
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# -- HTML ------------------------------------------------------------------------------------
def test_html_main_text_and_title() -> None:
    nav = "".join(f"<li><a href='/{i}'>Menu entry {i}</a></li>" for i in range(30))
    body = "".join(f"<p>This is the real article paragraph number {i}, long enough to count.</p>" for i in range(8))
    html = (
        f"<html><head><title>My  Article</title></head><body><nav><ul>{nav}</ul></nav>"
        f"<article><h1>Heading</h1>{body}</article><footer>Copyright footer text</footer></body></html>"
    )
    records, failures = run(("page.html", html.encode()))
    assert failures == []
    text = records[0].text
    assert "real article paragraph number 7" in text
    assert "Menu entry 12" not in text and "Copyright footer" not in text
    assert records[0].metadata["title"] == "My Article"


@pytest.mark.parametrize("name", ["example-10k-1p.html", "ideas-page.html", "example-with-scripts.html"])
def test_real_html_pages(name: str) -> None:
    records, failures = run(EXAMPLES / "html" / name)
    assert failures == [] and sum(len(r.text) for r in records) > 300
    assert all("<script" not in r.text and "function(" not in r.text for r in records)


def test_html_in_latin1_with_meta_charset() -> None:
    html = '<html><head><meta charset="iso-8859-1"><title>Café</title></head><body><article>'
    html += "<p>Le café est très chaud et la crème brûlée est délicieuse ce matin.</p>" * 5
    html += "</article></body></html>"
    records, _ = run(("p.html", html.encode("latin-1")))
    assert "crème brûlée" in records[0].text and records[0].metadata["title"] == "Café"


# -- DOCX -------------------------------------------------------------------------------------
def test_docx_paragraphs_and_tables_in_body_order() -> None:
    document = docx.Document()
    document.add_paragraph("Before the table.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Name", "Role"
    table.cell(1, 0).text, table.cell(1, 1).text = "Ada", "Engineer"
    document.add_paragraph("After the table.")
    buf = io.BytesIO()
    document.save(buf)
    records, failures = run(("f.docx", buf.getvalue()))
    assert failures == []
    assert records[0].text.splitlines() == ["Before the table.", "Name | Role", "Ada | Engineer", "After the table."]
    assert records[0].metadata["tables"] == 1


@pytest.mark.parametrize("name", ["handbook-1p.docx", "docx-tables.docx", "eng_spa_mult.docx"])
def test_real_docx(name: str) -> None:
    records, failures = run(EXAMPLES / "docx" / name)
    assert failures == [] and sum(len(r.text.strip()) for r in records) > 100


def test_corrupt_docx() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types")  # broken XML
        zf.writestr("word/document.xml", "<w:document")
    records, failures = run(("bad.docx", buf.getvalue()))
    assert records == [] and [f.reason for f in failures] == ["corrupt_docx"]
    truncated = (EXAMPLES / "docx" / "handbook-1p.docx").read_bytes()[:3000]
    records, failures = run(("cut.docx", truncated))
    assert records == [] and failures[0].reason in ("corrupt_docx", "corrupt_archive")


def test_docx_bomb_is_refused_before_parsing() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", b"<w:document>" + b" " * 20_000_000)
    options = ExtractOptions(limits=Limits(max_compression_ratio=100))
    records, failures = run(("bomb.docx", buf.getvalue()), options)
    assert records == [] and failures[0].reason == "compression_ratio_exceeded"


# -- EPUB -------------------------------------------------------------------------------------
def test_real_epub_one_record_per_chapter() -> None:
    records, failures = run(EXAMPLES / "epub" / "winter-sports.epub")
    assert failures == []
    assert len(records) >= 5 and len({r.location["item"] for r in records}) == len(records)
    assert records[0].metadata["title"] == "Winter Sports in Switzerland"
    assert any("ski" in r.text.lower() for r in records)


def test_corrupt_epub() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/container.xml", "<broken")
    records, failures = run(("bad.epub", buf.getvalue()))
    assert records == [] and [f.reason for f in failures] == ["corrupt_epub"]


# -- PDF --------------------------------------------------------------------------------------
def test_pdf_pages_and_blank_page() -> None:
    records, failures = run(("doc.pdf", make_pdf(["Hello page one", None, "Third page text"])))
    assert [(r.text.strip(), r.location, r.modality) for r in records] == [
        ("Hello page one", {"page": 1}, "text"),
        ("Third page text", {"page": 3}, "text"),
    ]
    assert records[0].metadata["page_count"] == 3
    # page 2 has no text layer: it is rendered and OCR'd, and OCR finds nothing on the blank page
    assert [(f.reason, f.fatal, f.location) for f in failures] == [("no_text_found", False, {"page": 2})]


def test_pdf_without_ocr_installed_reports_needs_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataharbor.ingest.ocr import engines

    monkeypatch.setattr(engines.shutil, "which", lambda name: None)  # as on a machine without Tesseract
    engines.tesseract_languages.cache_clear()
    try:
        records, failures = run(("doc.pdf", make_pdf(["Hello page one", None, "Third page text"])))
    finally:
        monkeypatch.undo()
        engines.tesseract_languages.cache_clear()
    assert [r.location["page"] for r in records] == [1, 3]
    assert [(f.reason, f.fatal, f.data["pages"]) for f in failures] == [("needs_ocr", False, [2])]
    assert "dataharbor[media]" in failures[0].detail


def test_mixed_pdf_ocrs_the_scanned_pages_page_by_page(ocr_kit: Any) -> None:
    scan = ocr_kit.text_image([ocr_kit.SENTENCE, "The second line of the scanned page."], mode="L")
    data = ocr_kit.merge_pdfs([make_pdf(["Typed first page"]), ocr_kit.image_pdf([scan]), make_pdf(["Typed last"])])
    records, failures = run(("mixed.pdf", data), ExtractOptions(languages=("en",), ocr_dpi=200))
    assert failures == []
    assert [(r.location, r.modality) for r in records] == [
        ({"page": 1}, "text"),
        ({"page": 2}, "image"),
        ({"page": 3}, "text"),
    ]
    scanned = records[1]
    assert ocr_kit.char_error_rate(scanned.text, f"{ocr_kit.SENTENCE}\nThe second line of the scanned page.") < 0.03
    ocr = scanned.metadata["ocr"]
    assert ocr["engine"] == "tesseract+rapidocr" and ocr["lines"] == 2 and 0.8 < ocr["confidence"] <= 1.0
    assert scanned.metadata["page_count"] == 3 and scanned.metadata["dpi"] == 200
    assert "ocr" not in records[0].metadata


def test_garbage_text_layer_is_not_trusted() -> None:
    from dataharbor.ingest.extractors.pdf import usable_text

    assert usable_text("A normal sentence, with 3 numbers: 1, 2 and 3.")
    assert usable_text("한국어 텍스트와 표")  # letters of any script count
    assert not usable_text("!\"#$ %&'( )*+, -./:; <=>?")  # symbol soup from a broken font encoding
    assert not usable_text("Text \ufffd\ufffd\ufffd\ufffd with unmapped glyphs \ue001\ue002\ue003")
    # a page whose layer holds only control characters is OCR'd; its blank rendering has no text
    records, failures = run(("doc.pdf", make_pdf(["Good page", "\\001\\002\\003\\004\\005"])))
    assert [r.location["page"] for r in records] == [1]
    assert [(f.reason, f.location) for f in failures] == [("no_text_found", {"page": 2})]


def test_pdf_page_limit() -> None:
    options = ExtractOptions(limits=Limits(max_pdf_pages=2))
    records, failures = run(("doc.pdf", make_pdf(["a", "b", "c"])), options)
    assert [r.location["page"] for r in records] == [1, 2]
    assert failures[0].reason == "too_many_pages"


def test_corrupt_and_encrypted_pdf() -> None:
    _, failures = run(("bad.pdf", b"%PDF-1.4\n1 0 obj garbage\n"))
    assert [f.reason for f in failures] == ["corrupt_pdf"]
    _, failures = run(("cut.pdf", (EXAMPLES / "pdf" / "reliance.pdf").read_bytes()[:5000]))
    assert [f.reason for f in failures] == ["corrupt_pdf"]
    _, failures = run(("locked.pdf", make_pdf(["secret"], encrypted=True)))
    assert [f.reason for f in failures] == ["encrypted_pdf"]


@pytest.mark.parametrize(
    "path",
    sorted((EXAMPLES / "pdf").glob("*.pdf")) + sorted((DOCS / "pdfplumber_real_pdfs").glob("*.pdf")),
    ids=lambda p: p.name,
)
def test_real_pdfs_have_text(path: Path) -> None:
    records, failures = run(path)
    assert sum(len(r.text.strip()) for r in records) > 200
    assert all(f.reason in ("needs_ocr", "no_text_found") for f in failures)
    assert all(r.extractor == "pdf" and r.location["page"] >= 1 for r in records)
