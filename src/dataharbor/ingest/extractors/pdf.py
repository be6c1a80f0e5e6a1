"""PDF text layer with pypdfium2: one record per page, location `{"page": n}` (1-based).

Pages without a text layer (scans) yield no record; the document reports one `needs_ocr`
problem listing them so the OCR extractor can take those pages. Every pdfium object is
closed in `finally` blocks: pdfium memory is not managed by Python's collector.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dataharbor.ingest.extractor import Extracted, ExtractionError, ExtractOptions, Source, register_extractor
from dataharbor.ingest.extractors._common import ReportingExtractor, seekable, split_points

_PDFIUM_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD


def page_ranges(pages: list[int]) -> str:
    """[1, 2, 3, 7] -> "1-3, 7" (for readable details)."""
    spans: list[str] = []
    start = prev = pages[0] if pages else 0
    for page in [*pages[1:], None]:
        if page is not None and page == prev + 1:
            prev = page
            continue
        spans.append(f"{start}-{prev}" if prev != start else str(start))
        if page is not None:
            start = prev = page
    return ", ".join(spans) if pages else ""


@register_extractor
class PdfExtractor(ReportingExtractor):
    name: ClassVar[str] = "pdf"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = ("pdf",)

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        import pypdfium2 as pdfium

        with source.open() as raw, seekable(raw, options.limits.max_member_bytes) as fh:
            try:
                document = pdfium.PdfDocument(fh)
            except pdfium.PdfiumError as exc:
                if getattr(exc, "err_code", None) == _PDFIUM_PASSWORD_ERROR:
                    raise ExtractionError("encrypted_pdf", "the PDF needs a password to open") from exc
                raise ExtractionError("corrupt_pdf", str(exc)) from exc
            try:
                yield from self._pages(document, options)
            finally:
                document.close()

    def _pages(self, document: Any, options: ExtractOptions) -> Iterator[Extracted]:
        count = len(document)
        readable = min(count, options.limits.max_pdf_pages)
        if count > readable:
            self.report({}, "too_many_pages", f"{count} pages; only the first {readable} were read")
        empty: list[int] = []
        for index in range(readable):
            text = _page_text(document, index)
            if text.strip():
                yield from self._records(index + 1, text, count, options)
            else:
                empty.append(index + 1)
        if empty:
            self.report(
                {},
                "needs_ocr",
                f"{len(empty)} of {count} pages have no text layer: {page_ranges(empty)[:500]}",
                pages=empty,
            )

    def _records(self, page: int, text: str, count: int, options: ExtractOptions) -> Iterator[Extracted]:
        spans = list(split_points(text, options.limits.max_record_chars))
        for start, end in spans:
            loc: dict[str, Any] = {"page": page}
            if len(spans) > 1:
                loc["chars"] = [start, end]
            yield Extracted(text[start:end], location=loc, metadata={"page_count": count})


def _page_text(document: Any, index: int) -> str:
    import pypdfium2 as pdfium

    try:
        page = document[index]
    except pdfium.PdfiumError:
        return ""  # an unloadable page reads as "no text layer": OCR may still render it
    try:
        textpage = page.get_textpage()
        try:
            return str(textpage.get_text_range()).replace("\r\n", "\n")
        finally:
            textpage.close()
    finally:
        page.close()
