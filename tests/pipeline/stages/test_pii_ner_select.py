"""NER reads only the windows that can hold a name: what is kept, what is skipped, offsets mapped back."""

from __future__ import annotations

import random
from itertools import pairwise
from typing import Any

import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages._pii_ner import NerRunner
from dataharbor.pipeline.stages._pii_ner_select import _CONTEXT, CONTEXT_TOKENS, _widen, ner_spans
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


def _widen_reference(text: str, start: int, end: int) -> tuple[int, int]:
    """The context window as first written: every token within 200 characters on each side."""
    before = list(_CONTEXT.finditer(text, max(0, start - 200), start))
    after = list(_CONTEXT.finditer(text, end, min(len(text), end + 200)))
    left = before[max(0, len(before) - CONTEXT_TOKENS)].start() if before else start
    right = after[min(len(after), CONTEXT_TOKENS) - 1].end() if after else end
    return left, right


def test_the_short_left_scan_widens_exactly_like_the_full_one() -> None:
    rng = random.Random(3)
    alphabet = "aB3 _-.,'’\n\t  Zé中!?xY"
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 500)))
        for _ in range(5):
            start = rng.randrange(len(text) + 1)
            end = rng.randint(start, len(text))
            assert _widen(text, start, end) == _widen_reference(text, start, end), (text, start, end)


def test_repeated_pieces_are_read_once_and_give_the_same_entities() -> None:
    runner = NerRunner()
    page = "Settings\n\nAsk Maria Gonzalez in Lisbon about the report.\n\n" + FILLER * 3
    calls: list[int] = []
    nlp = runner.load("en")
    runner._loaded["en"] = _CountingPipe(nlp, calls)
    first = runner.find([(page, "en"), (page, "en")])
    assert calls == [len(ner_spans(page))]  # the second copy of each piece was not sent to the model
    again = runner.find([(page, "en")])
    assert calls == [len(ner_spans(page))]  # remembered across calls of one job
    assert first[0] == first[1] == again[0]
    assert {page[e.start : e.end] for e in again[0]} >= {"Maria Gonzalez", "Lisbon"}
    runner.forget()
    assert runner.find([(page, "en")]) == again and len(calls) == 2


def test_the_piece_memory_is_bounded_and_emptied_per_job() -> None:
    runner = NerRunner(memo_chars=50)
    runner.find([("Ask Maria Gonzalez in Lisbon. " * 3, "en"), ("Ring Paul in Dublin.", "en")])
    assert runner._memo_size <= 50
    stage = PiiStage(StageContext(declared_languages=("en",)))
    stage.ensure_setup()
    stage.process([make_record("Ask Maria Gonzalez in Lisbon.")])
    assert stage._runner._memo
    stage._ready = False
    stage.ensure_setup()  # a new job in the same process
    assert not stage._runner._memo


class _CountingPipe:
    """A spaCy pipeline that records how many texts each `pipe` call reads."""

    def __init__(self, nlp: Any, calls: list[int]) -> None:
        self.nlp, self.calls = nlp, calls

    def pipe(self, texts: list[str], batch_size: int) -> Any:
        self.calls.append(len(texts))
        return self.nlp.pipe(texts, batch_size=batch_size)
