"""Office documents: DOCX (python-docx) and EPUB (ebooklib).

Both are zips, so the zip's declared sizes are checked against the limits before the library
opens it (Python's zipfile never inflates past a declared size, so declared sizes bound memory).
DOCX: one text in body order, paragraphs and tables (cells joined by " | "); headers and
footers are left out (repeated boilerplate). EPUB: one record per spine item, HTML → text.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import IO, Any, ClassVar

from dataharbor.ingest.extractor import Extracted, ExtractionError, ExtractOptions, Source, register_extractor
from dataharbor.ingest.extractors._common import ReportingExtractor, seekable, split_points
from dataharbor.ingest.extractors._limits import check_zip_declared
from dataharbor.ingest.extractors.html import html_title, html_to_text


def _check_zip(fh: IO[bytes], options: ExtractOptions, reason: str) -> None:
    try:
        with zipfile.ZipFile(fh) as zf:
            check_zip_declared(zf, options.limits)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ExtractionError(reason, f"not a readable zip container: {exc}") from exc
    fh.seek(0)


def _split(text: str, options: ExtractOptions, meta: dict[str, Any], base: dict[str, Any]) -> Iterator[Extracted]:
    spans = list(split_points(text, options.limits.max_record_chars))
    for start, end in spans:
        if text[start:end].strip():
            loc = {**base, "chars": [start, end]} if len(spans) > 1 or not base else dict(base)
            yield Extracted(text[start:end], location=loc, metadata=dict(meta))


@register_extractor
class DocxExtractor(ReportingExtractor):
    name: ClassVar[str] = "docx"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = ("docx",)

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        import docx
        from docx.table import Table

        with source.open() as raw, seekable(raw, options.limits.max_member_bytes) as fh:
            _check_zip(fh, options, "corrupt_docx")
            try:
                document = docx.Document(fh)
                blocks: list[str] = []
                tables = 0
                for block in document.iter_inner_content():
                    if isinstance(block, Table):
                        tables += 1
                        blocks.extend(_table_rows(block))
                    elif block.text.strip():
                        blocks.append(block.text)
                title = document.core_properties.title or ""
            except ExtractionError:
                raise
            except Exception as exc:  # python-docx raises KeyError/lxml/ValueError on broken parts
                raise ExtractionError("corrupt_docx", f"{type(exc).__name__}: {exc}") from exc
        meta = {"title": str(title)[:1000], "tables": tables}
        yield from _split("\n".join(blocks), options, meta, {})


def _table_rows(table: Any) -> Iterator[str]:
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or cells[-1] != text:  # merged cells repeat their text
                cells.append(text)
        if any(cells):
            yield " | ".join(cells)


@register_extractor
class EpubExtractor(ReportingExtractor):
    name: ClassVar[str] = "epub"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = ("epub",)

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        import ebooklib
        from ebooklib import epub

        with source.open() as raw, seekable(raw, options.limits.max_member_bytes) as fh:
            _check_zip(fh, options, "corrupt_epub")
            try:
                book = epub.read_epub(fh, options={"ignore_ncx": True})
                titles = book.get_metadata("DC", "title")
            except ExtractionError:
                raise
            except Exception as exc:  # ebooklib raises EpubException, KeyError, lxml errors
                raise ExtractionError("corrupt_epub", f"{type(exc).__name__}: {exc}") from exc
            book_title = str(titles[0][0])[:1000] if titles else ""
            for idref, _linear in book.spine:
                item = book.get_item_with_id(idref)
                if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
                    continue
                if isinstance(item, ebooklib.epub.EpubNav) or "nav" in (getattr(item, "properties", None) or []):
                    continue  # the table of contents repeats chapter titles; it is not content
                href = str(item.get_name())
                try:
                    html = item.get_content().decode("utf-8", errors="replace")
                    text = html_to_text(html, "resiliparse_all")  # chapters have no boilerplate
                    chapter = html_title(html)
                except Exception as exc:
                    self.report({"item": href}, "corrupt_chapter", f"{type(exc).__name__}: {exc}")
                    continue
                meta = {"title": book_title, "chapter_title": chapter}
                yield from _split(text, options, meta, {"item": href})
