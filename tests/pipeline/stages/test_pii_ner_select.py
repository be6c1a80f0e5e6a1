"""NER reads only the windows that can hold a name: what is kept, what is skipped, offsets mapped back."""

from __future__ import annotations

from itertools import pairwise

import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages._pii_ner import NerRunner
from dataharbor.pipeline.stages._pii_ner_select import ner_spans
from dataharbor.pipeline.stages.pii import PiiStage

FILLER = "the value is returned when the function is called with a list of numbers. "


def covered(text: str, part: str) -> bool:
    start = text.index(part)
    return any(s <= start and start + len(part) <= e for s, e in ner_spans(text))


def make_record(text: str, lang: str = "en") -> Record:
    prov = Provenance(source_sha256="0" * 64, source_name="t.txt", extractor="text", extractor_version="1")
    return Record(id="r", text=text, provenance=prov, annotations={"language": {"lang": lang}})


@pytest.fixture(scope="module")
def stage() -> PiiStage:
    s = PiiStage(StageContext(declared_languages=("en",)))
    s.ensure_setup()
    return s


def test_lines_with_only_a_common_first_word_are_skipped() -> None:
    text = "Settings\n\n" + "The value is returned when the list is empty.\n" * 20 + "Ask Maria Gonzalez in Lisbon."
    spans = ner_spans(text)
    assert sum(e - s for s, e in spans) < len(text) // 3
    assert covered(text, "Maria Gonzalez in Lisbon")
    assert covered(text, "Settings")


def test_a_sentence_opening_name_is_kept_with_context() -> None:
    text = "The list is sorted. " * 10 + "Kowalczyk arrived late. " + "The list is sorted. " * 10
    start = text.index("Kowalczyk")
    assert covered(text, "Kowalczyk arrived late")
    # six tokens of context on each side (". The list is sorted ." / "arrived late . The list is")
    end = start + len("Kowalczyk arrived late. The list is")
    assert any(s <= start - len(". The list is sorted. ") and end <= e for s, e in ner_spans(text))


def test_lower_case_paragraphs_caseless_scripts_and_cues_are_read() -> None:
    chat = "hey it's jakub, the files are on the drive"
    text = "Report\n\nThe figures are final.\n\n" + chat + "\n\nThe figures are final."
    assert covered(text, chat)
    assert ner_spans("東京で田中さんに会いました。") == [(0, 14)]
    cue = "The invoice was paid. " * 5 + "thanks jakub for the help. " + "The invoice was paid. " * 5
    assert covered(cue, "thanks jakub")
    assert ner_spans("   \n ") == []


def _people(stage: PiiStage, text: str) -> list[str]:
    """The PERSON values the stage found in `text`, read back from the original by their offsets."""
    record = make_record(text)
    stage.process([record])
    return [text[e["start"] : e["end"]] for e in record.annotations["pii"]["entities"] if e["type"] == "PERSON"]


def test_a_name_in_a_sentence_of_its_own_is_found(stage: PiiStage) -> None:
    text = FILLER * 40 + "\nKatarzyna Wiśniewska.\n" + FILLER * 40
    assert _people(stage, text) == ["Katarzyna Wiśniewska"]


def test_a_name_in_a_long_lower_case_page_after_a_cue_is_found(stage: PiiStage) -> None:
    text = FILLER * 30 + "hi richard, please send the report by friday. " + FILLER * 30
    assert _people(stage, text) == ["richard"]


def test_offsets_map_back_exactly_and_match_a_full_read() -> None:
    body = (
        "Configure the printer first. The driver is installed by Thomas Müller from Berlin.\n"
        + FILLER * 3
        + "\nContact Sarah O'Connor at the office in Dublin or Jean Dupont in Paris.\n"
    )
    text = body * 8  # several chunks of at most 800 characters
    full = NerRunner(max_chars=800, select=False)
    selective = NerRunner(max_chars=800)
    selective._loaded = full._loaded
    want = full.find([(text, "en")])[0]
    got = selective.find([(text, "en")])[0]
    assert [(e.start, e.end, e.type) for e in got] == [(e.start, e.end, e.type) for e in want]
    names = {text[e.start : e.end] for e in got}
    assert {"Thomas Müller", "Sarah O'Connor", "Dublin", "Jean Dupont", "Paris"} <= names


def test_spans_are_sorted_and_disjoint() -> None:
    text = "Ask Maria Gonzalez.\n\nhey it's jakub\n\nThe list is sorted. Ring Paul.\n\nok thanks"
    spans = ner_spans(text)
    assert all(e1 < s2 for (_, e1), (s2, _) in pairwise(spans))
    assert all(s < e for s, e in spans)
