"""PDF with pypdfium2: one record per page, location `{"page": n}` (1-based), page by page.

A page with a usable text layer gives a `modality="text"` record. A page with no text layer (a
scan, an image-only page) or an unusable one (glyphs without Unicode mapping, symbol soup from a
broken font encoding) is rendered at `options.ocr_dpi` and OCR'd: a `modality="image"` record with
`metadata["ocr"]`. Without the `media` extra such pages yield nothing and the document reports one
`needs_ocr` problem listing them, with the install hint. Every pdfium object is closed in
`finally` blocks: pdfium memory is not managed by Python's collector.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from dataharbor.errors import MissingExtra
from dataharbor.ingest.extractor import Extracted, ExtractionError, ExtractOptions, Source, register_extractor
from dataharbor.ingest.extractors._common import ReportingExtractor, seekable, split_points

_PDFIUM_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD
# a text layer is unusable when fewer of its visible characters than this are letters or digits ...
MIN_ALNUM_SHARE = 0.5
# ... or more than this share are U+FFFD, private-use or control characters (unmapped glyphs)
MAX_BROKEN_SHARE = 0.05


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
    version: ClassVar[str] = "2"
    types: ClassVar[tuple[str, ...]] = ("pdf",)

    def __init__(self) -> None:
        super().__init__()
        self._ocr_missing: str | None = None  # the install hint, once OCR was found missing
        self._ocr_checked = False

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
        unread: list[int] = []
        garbled: list[int] = []
        for index in range(readable):
            text = _page_text(document, index)
            if text.strip() and usable_text(text):
                yield from self._records(index + 1, text, count, options)
                continue
            if text.strip():
                garbled.append(index + 1)
            if self._ocr_available():
                yield from self._ocr_page(document, index, count, options, garbled=bool(text.strip()))
            else:
                unread.append(index + 1)
        if unread:
            detail = f"{len(unread)} of {count} pages have no usable text layer: {page_ranges(unread)[:500]}"
            self.report({}, "needs_ocr", f"{detail}; OCR is not installed: {self._ocr_missing}", pages=unread)

    def _ocr_available(self) -> bool:
        if not self._ocr_checked:
            self._ocr_checked = True
            from dataharbor.ingest.ocr import require_ocr

            try:
                require_ocr()
            except MissingExtra as exc:
                self._ocr_missing = str(exc)
        return self._ocr_missing is None

    def _ocr_page(
        self, document: Any, index: int, count: int, options: ExtractOptions, garbled: bool
    ) -> Iterator[Extracted]:
        from dataharbor.ingest.extractors.image import ocr_metadata
        from dataharbor.ingest.ocr import ocr_image

        page_no = index + 1
        image = render_page(document, index, options)
        if image is None:
            self.report({"page": page_no}, "unrenderable_page", "pdfium could not render this page")
            return
        try:
            result = ocr_image(image, options.languages)
        finally:
            image.close()
        if not result.text.strip():
            self.report({"page": page_no}, "no_text_found", "the page has no text layer and OCR found no text")
            return
        metadata: dict[str, Any] = {"page_count": count, "ocr": ocr_metadata(result), "dpi": options.ocr_dpi}
        if garbled:
            metadata["text_layer"] = "unusable"
        for piece in self._records(page_no, result.text, count, options):
            piece.metadata = metadata | {"ocr": dict(metadata["ocr"])}
            piece.modality = "image"
            yield piece

    def _records(self, page: int, text: str, count: int, options: ExtractOptions) -> Iterator[Extracted]:
        spans = list(split_points(text, options.limits.max_record_chars))
        for start, end in spans:
            loc: dict[str, Any] = {"page": page}
            if len(spans) > 1:
                loc["chars"] = [start, end]
            yield Extracted(text[start:end], location=loc, metadata={"page_count": count})


def usable_text(text: str) -> bool:
    """False for a text layer that is symbol soup or unmapped glyphs: such a page is OCR'd instead."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return False
    alnum = sum(c.isalnum() for c in visible)
    broken = sum(c == "\ufffd" or "\ue000" <= c <= "\uf8ff" or ord(c) < 32 for c in visible)
    return alnum / len(visible) >= MIN_ALNUM_SHARE and broken / len(visible) <= MAX_BROKEN_SHARE


def render_page(document: Any, index: int, options: ExtractOptions) -> Any:
    """The page as a grayscale PIL image at `options.ocr_dpi`, scaled down to fit the image limits."""
    import pypdfium2 as pdfium

    try:
        page = document[index]
    except pdfium.PdfiumError:
        return None
    try:
        width_pt, height_pt = page.get_size()
        scale = max(options.ocr_dpi, 1) / 72.0
        limits = options.limits
        fit = min(
            scale,
            limits.max_image_side / max(width_pt, height_pt, 1.0),
            (limits.max_image_pixels / max(width_pt * height_pt, 1.0)) ** 0.5,
        )
        if fit * min(width_pt, height_pt) < 1:
            return None
        bitmap = page.render(scale=fit, grayscale=True)
        try:
            return bitmap.to_pil().copy()  # the copy outlives the pdfium buffer
        finally:
            bitmap.close()
    except pdfium.PdfiumError:
        return None
    finally:
        page.close()


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
