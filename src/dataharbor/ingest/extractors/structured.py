"""Structured text: JSON (an array of objects, or one object), JSON Lines, CSV and TSV.

One record per object / line / row. The text comes from a configurable field (`options.text_field`,
dotted paths such as `body.text` or `items.0.text`) or column (`options.text_column`); the
other top-level scalar fields go to `metadata["fields"]` (bounded). Bad lines and rows do not
stop the file: they are reported as problems with their location and the rest proceeds.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, ClassVar

from dataharbor.ingest.detect import sniff_encoding
from dataharbor.ingest.extractor import Extracted, ExtractionError, ExtractOptions, Source, register_extractor
from dataharbor.ingest.extractors._common import (
    ReportingExtractor,
    read_bounded,
    scalar_metadata,
    split_points,
)
from dataharbor.ingest.extractors._decode import DecodedStream

MAX_JSON_BYTES = 256 * 1024**2  # a JSON document is parsed whole; bigger data belongs in JSONL
_MISSING = object()


def max_line_chars(options: ExtractOptions) -> int:
    """Longest JSONL line / CSV row read; longer ones are skipped and reported."""
    return max(4 * options.limits.max_record_chars, 1024 * 1024)


def get_path(obj: Any, path: str) -> Any:
    """`a.b.0.c` through dicts and lists; `_MISSING` when any step is absent."""
    if isinstance(obj, dict) and path in obj:  # a key that itself contains dots
        return obj[path]
    for step in path.split("."):
        if isinstance(obj, dict) and step in obj:
            obj = obj[step]
        elif isinstance(obj, list) and step.isdigit() and int(step) < len(obj):
            obj = obj[int(step)]
        else:
            return _MISSING
    return obj


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    return None


class _RecordMaker(ReportingExtractor):
    """Shared: one object/row → zero or more records (long texts are split), problems reported."""

    def _records(
        self, obj: Any, field: str, location: dict[str, Any], options: ExtractOptions, extra: dict[str, Any]
    ) -> Iterator[Extracted]:
        if not isinstance(obj, dict):
            self.report(location, "not_an_object", f"expected an object, got {type(obj).__name__}")
            return
        value = get_path(obj, field)
        if value is _MISSING:
            keys = ", ".join(sorted(map(str, obj))[:20])
            self.report(location, "missing_text_field", f"no field {field!r}; fields: {keys}")
            return
        text = _as_text(value)
        if text is None:
            self.report(location, "text_field_not_string", f"{field!r} is {type(value).__name__}")
            return
        meta = {"fields": scalar_metadata(obj, skip=field.split(".")[0]), **extra}
        spans = list(split_points(text, options.limits.max_record_chars))
        for part, (start, end) in enumerate(spans):
            if not text[start:end].strip():
                continue
            loc = dict(location)
            if len(spans) > 1:
                loc["chars"] = [start, end]
                loc["part"] = part
            yield Extracted(text[start:end], location=loc, metadata=dict(meta))

    def _raise_if_nothing(self, produced: int, what: str) -> None:
        """A file where *no* item has the text field is a configuration problem, not N bad items."""
        if produced == 0 and self.problems and all(p.reason == "missing_text_field" for p in self.problems):
            raise ExtractionError("missing_text_field", f"no {what} has it: {self.problems[0].detail}")


@register_extractor
class JsonExtractor(_RecordMaker):
    name: ClassVar[str] = "json"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = ("json",)

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        with source.open() as fh:
            data = read_bounded(fh, min(MAX_JSON_BYTES, options.limits.max_member_bytes), "JSON document")
        try:
            doc = json.loads(data)  # UTF-8/16/32 are recognised by json itself
        except UnicodeDecodeError:
            encoding = sniff_encoding(data) or "utf-8"
            doc = _loads(data.decode(encoding, errors="replace"))
        except ValueError as exc:
            raise ExtractionError("malformed_json", str(exc)) from exc
        field = options.text_field
        produced = 0
        if isinstance(doc, list):
            for index, item in enumerate(doc):
                for rec in self._records(item, field, {"index": index}, options, {}):
                    produced += 1
                    yield rec
        else:
            for rec in self._records(doc, field, {}, options, {}):
                produced += 1
                yield rec
        self._raise_if_nothing(produced, "object")


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ExtractionError("malformed_json", str(exc)) from exc


@register_extractor
class JsonlExtractor(_RecordMaker):
    name: ClassVar[str] = "jsonl"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = ("jsonl",)

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        produced = 0
        with source.open() as fh:
            stream = DecodedStream(fh)
            for number, line in enumerate(stream.lines(max_line_chars(options)), start=1):
                location = {"line": number}
                if line is None:
                    self.report(location, "line_too_long", f"longer than {max_line_chars(options)} chars")
                    continue
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as exc:
                    self.report(location, "malformed_json_line", str(exc)[:200])
                    continue
                for rec in self._records(obj, options.text_field, location, options, {}):
                    produced += 1
                    yield rec
        self._raise_if_nothing(produced, "line")


@register_extractor
class CsvExtractor(_RecordMaker):
    name: ClassVar[str] = "csv"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = ("csv", "tsv")

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        limit = max_line_chars(options)
        if csv.field_size_limit() < limit:
            csv.field_size_limit(limit)  # the default 128 KiB is too small for long text columns
        with source.open() as fh:
            stream = DecodedStream(fh)
            lines = self._lines(stream, limit)
            delimiter = options.csv_delimiter or _delimiter(source.detected_type, stream)
            reader = csv.reader(lines, delimiter=delimiter)
            header = self._header(reader)
            column = options.text_column
            if column not in header:
                raise ExtractionError(
                    "missing_text_column", f"no column {column!r}; columns: {', '.join(header)[:500]}"
                )
            extra: dict[str, Any] = {"encoding": stream.encoding}
            row_number = 0
            while True:
                row_number += 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    self.report({"row": row_number}, "malformed_row", str(exc)[:200])
                    continue
                obj = dict(zip(header, row, strict=False))
                extra["decode_errors"] = stream.decode_errors
                yield from self._records(obj, column, {"row": row_number}, options, dict(extra))

    def _lines(self, stream: DecodedStream, limit: int) -> Iterator[str]:
        for line in stream.lines(limit):
            if line is None:
                self.report({}, "row_too_long", f"a line longer than {limit} chars was skipped")
            else:
                yield line

    @staticmethod
    def _header(reader: Any) -> list[str]:
        try:
            return [h.strip().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            raise ExtractionError("empty_table", "no header row") from None
        except csv.Error as exc:
            raise ExtractionError("malformed_csv", f"header: {exc}") from exc


def _delimiter(detected_type: str, stream: DecodedStream) -> str:
    if detected_type == "tsv":
        return "\t"
    sample = stream.head_text()
    sample = sample[: sample.rfind("\n") + 1] or sample  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;|\t").delimiter
    except csv.Error:
        return ","
