"""JSON, JSON Lines, CSV and TSV: text field/column, metadata, bad lines, encodings."""

from __future__ import annotations

import json
from typing import Any

from dataharbor.ingest.extractor import Extracted, ExtractOptions, Limits
from dataharbor.ingest.walk import MemberFailure, source_from_bytes, walk


def run(name: str, data: bytes, **opts: Any) -> tuple[list[Extracted], list[MemberFailure]]:
    out = list(walk(source_from_bytes(name, data), ExtractOptions(**opts)))
    return [x for x in out if isinstance(x, Extracted)], [x for x in out if isinstance(x, MemberFailure)]


def test_json_array_of_objects() -> None:
    doc = [{"text": "first", "id": 1, "tags": ["a"], "src": "x"}, {"text": "second", "id": 2}]
    records, failures = run("data.json", json.dumps(doc).encode())
    assert failures == []
    assert [r.text for r in records] == ["first", "second"]
    assert [r.location for r in records] == [{"index": 0}, {"index": 1}]
    assert records[0].metadata["fields"] == {"id": 1, "src": "x"}  # scalars only, text field excluded
    assert records[0].extractor == "json"


def test_json_single_object_and_dotted_path() -> None:
    doc = {"meta": {"lang": "fr"}, "body": {"parts": [{"text": "bonjour"}]}, "title": "T"}
    records, _ = run("one.json", json.dumps(doc).encode(), text_field="body.parts.0.text")
    assert [r.text for r in records] == ["bonjour"]
    assert records[0].location == {}
    assert records[0].metadata["fields"] == {"title": "T"}


def test_json_without_the_text_field_anywhere_is_a_clear_error() -> None:
    _, failures = run("d.json", json.dumps([{"body": "x"}, {"body": "y"}]).encode())
    assert failures[0].reason == "missing_text_field"
    assert "body" in failures[0].detail and failures[0].fatal


def test_malformed_json_document() -> None:
    records, failures = run("d.json", b'[{"text": "a"}, {"text": ')
    assert records == [] and failures[0].reason == "malformed_json"


def test_jsonl_bad_lines_are_reported_and_the_rest_proceeds() -> None:
    lines = [
        json.dumps({"text": "one", "n": 1}),
        "{not json",
        json.dumps({"text": "three"}),
        "",
        json.dumps({"other": "no text"}),
        json.dumps({"text": 42}),
        json.dumps({"text": "seven"}),
    ]
    records, failures = run("d.jsonl", "\n".join(lines).encode())
    assert [(r.text, r.location) for r in records] == [
        ("one", {"line": 1}),
        ("three", {"line": 3}),
        ("seven", {"line": 7}),
    ]
    assert [(f.reason, f.location, f.fatal) for f in failures] == [
        ("malformed_json_line", {"line": 2}, False),
        ("missing_text_field", {"line": 5}, False),
        ("text_field_not_string", {"line": 6}, False),
    ]


def test_jsonl_overlong_line_is_skipped() -> None:
    data = (json.dumps({"text": "x" * 3_000_000}) + "\n" + json.dumps({"text": "ok"}) + "\n").encode()
    records, failures = run("d.jsonl", data, limits=Limits(max_record_chars=100_000))
    assert [r.text for r in records] == ["ok"]
    assert failures[0].reason == "line_too_long" and failures[0].location == {"line": 1}


def test_long_json_text_is_split_into_parts() -> None:
    data = json.dumps([{"text": "word " * 1000}]).encode()
    records, _ = run("d.json", data, limits=Limits(max_record_chars=1000))
    assert len(records) == 5 and all(len(r.text) <= 1000 for r in records)
    assert [r.location["part"] for r in records] == [0, 1, 2, 3, 4]
    assert all(r.location["index"] == 0 for r in records)


def test_csv_text_column_and_metadata() -> None:
    data = b'id,text,lang\n1,"Hello, world",en\n2,"Multi\nline",fr\n3,,de\n'
    records, failures = run("t.csv", data)
    assert failures == []
    assert [(r.text, r.location) for r in records] == [("Hello, world", {"row": 1}), ("Multi\nline", {"row": 2})]
    assert records[0].metadata["fields"] == {"id": "1", "lang": "en"}
    assert records[0].extractor == "csv"


def test_csv_without_the_text_column_names_the_columns() -> None:
    records, failures = run("t.csv", b"id,body,lang\n1,hello,en\n2,world,fr\n")
    assert records == []
    assert failures[0].reason == "missing_text_column"
    assert "id, body, lang" in failures[0].detail


def test_csv_text_column_option_semicolons_and_cp1252() -> None:
    data = "nr;inhalt\n1;Grüße aus Köln\n2;Straße\n".encode("cp1252")
    records, failures = run("t.csv", data, text_column="inhalt")
    assert failures == []
    assert [r.text for r in records] == ["Grüße aus Köln", "Straße"]


def test_tsv_and_utf16() -> None:
    data = "id\ttext\n1\tcafé\n2\tthé\n".encode("utf-16")
    records, _ = run("t.tsv", data)
    assert [r.text for r in records] == ["café", "thé"]


def test_csv_huge_field_is_bounded() -> None:
    data = b"id,text\n1," + b"y" * 5_000_000 + b"\n2,fine\n"
    records, failures = run("t.csv", data, limits=Limits(max_record_chars=100_000))
    assert [r.text for r in records] == ["fine"]
    assert failures[0].reason == "row_too_long"
