"""Per-word choice between Tesseract's and RapidOCR's readings (`dataharbor.ingest.ocr.words`)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from dataharbor.ingest.ocr import Settings, engines, ocr_image, words

DICT = frozenset({"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Paris"})


def test_alignment_pairs_similar_words_and_leaves_gaps() -> None:
    assert words.align(["the", "quick", "brown"], ["the", "qu1ck", "brown"]) == [(0, 0), (1, 1), (2, 2)]
    # a word split in two by one engine: one pairing and one gap, in order
    pairs = words.align(["the", "quickbrown", "fox"], ["the", "quick", "brown", "fox"])
    assert pairs[0] == (0, 0) and pairs[-1] == (2, 3)
    assert sum(a is None for a, _ in pairs) == 1 and len(pairs) == 4


def test_split_words_averages_character_probabilities() -> None:
    found, means = words.split_words("ab  cd", [1.0, 0.5, 0.9, 0.9, 0.2, 0.4])
    assert found == ["ab", "cd"]
    assert means == pytest.approx([0.75, 0.3])
    assert words.split_words("ab", [])[1] == [1.0]  # no probabilities: neutral


def test_dictionary_lookup_strips_punctuation_and_accepts_case_and_numbers() -> None:
    assert words.in_dictionary("(Quick),", DICT)
    assert words.in_dictionary("PARIS", DICT)  # as written, lower-cased or capitalised ("Paris")
    assert words.in_dictionary("paris", DICT)
    assert words.in_dictionary("1993", DICT) and words.in_dictionary("--", DICT)
    assert words.in_dictionary("qu1ck", DICT)  # a digit: nothing to check
    assert not words.in_dictionary("brovvn", DICT)


def test_each_differing_word_goes_to_the_dictionary_word_then_the_surer_engine() -> None:
    t_words = ["the", "qu1ck", "brown", "fox", "jumqs"]
    t_confs = [0.9, 0.5, 0.9, 0.9, 0.95]
    r_text = "the quick brovvn fox jumps"
    r_probs = [0.99] * len(r_text)
    # dictionary decides qu1ck/quick? "qu1ck" holds a digit and counts as known: then confidence decides
    line = words.combine(t_words, t_confs, r_text, r_probs, rapid_line=True, dictionary=DICT)
    assert line == "the quick brown fox jumps"
    # neither reading is a word ("jumqs"/"jumpz"): the surer engine wins, both ways
    r_text = "the quick fox jumpz"
    unsure = [0.99] * len("the quick fox ") + [0.2] * len("jumpz")
    t_words, t_confs = ["the", "quick", "fox", "jumqs"], [0.9] * 4
    assert words.combine(t_words, t_confs, r_text, unsure, rapid_line=True, dictionary=DICT) == "the quick fox jumqs"
    sure = [0.99] * len(r_text)
    assert words.combine(t_words, t_confs, r_text, sure, rapid_line=False, dictionary=DICT) == "the quick fox jumpz"


def test_words_next_to_an_unpaired_one_keep_the_line_level_choice() -> None:
    # RapidOCR merged two words: swapping the pair next to the merge would drop or double text
    t_words, t_confs = ["over", "the", "lazy", "dog"], [0.9, 0.9, 0.9, 0.9]
    r_text = "ovcr thelazy dog"
    probs = [0.99] * len(r_text)
    assert words.combine(t_words, t_confs, r_text, probs, rapid_line=True, dictionary=DICT) == r_text
    assert words.combine(t_words, t_confs, r_text, probs, rapid_line=False, dictionary=DICT) == "over the lazy dog"
    # away from the merge the dictionary word wins even on RapidOCR's line
    r_text = "ovcr the lazy dog"
    assert words.combine(t_words, t_confs, r_text, [0.99] * len(r_text), True, DICT) == "over the lazy dog"
    # a completely different word is not "the same word misread": the line's engine keeps it
    assert words.combine(["fox"], [0.99], "Paris", [0.5] * 5, rapid_line=True, dictionary=DICT) == "Paris"


def test_tesseract_ships_a_word_list_for_its_models() -> None:
    if "eng" not in engines.tesseract_languages():
        pytest.skip("Tesseract's English model is not installed")
    english = engines.tesseract_words("eng")
    if not english:
        pytest.skip("combine_tessdata/dawg2wordlist (Tesseract's training tools) are not installed")
    assert len(english) > 100_000 and {"the", "because", "government"} <= english
    assert engines.tesseract_words("no-such-model") == frozenset()


def test_a_failing_word_list_tool_raises_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a model file that is no model: combine_tessdata (faked here so the test needs no Tesseract) fails
    (tmp_path / "bad.traineddata").write_bytes(b"not a model")
    tool = tmp_path / "combine_tessdata"
    tool.write_text("#!/bin/sh\necho 'Failed to read bad.traineddata' >&2\nexit 3\n")
    tool.chmod(0o755)
    monkeypatch.setattr(engines, "tessdata_dir", lambda: str(tmp_path))
    monkeypatch.setattr(shutil, "which", lambda name: str(tmp_path / name))
    engines.tesseract_words.cache_clear()
    try:
        with pytest.raises(engines.OcrToolError, match=r"combine_tessdata failed \(exit code 3\): Failed to read"):
            engines.tesseract_words("bad")
        tool.write_text("#!/bin/sh\nexit 0\n")  # it "succeeds" but dawg2wordlist is missing: cannot run
        with pytest.raises(engines.OcrToolError, match="dawg2wordlist could not be run"):
            engines.tesseract_words("bad")
    finally:
        engines.tesseract_words.cache_clear()


def test_a_missing_word_list_is_said_once_not_skipped_in_silence(caplog: pytest.LogCaptureFixture) -> None:
    from dataharbor.ingest.ocr import recognize

    with caplog.at_level("WARNING", logger="dataharbor.ingest.ocr.recognize"):
        assert recognize._dictionary("no-such-model") == frozenset()
        assert recognize._dictionary("no-such-model") == frozenset()  # cached: said once
    said = [r.getMessage() for r in caplog.records if "word list" in r.getMessage()]
    assert len(said) == 1 and "no-such-model" in said[0] and "confidence only" in said[0]


def test_per_word_choice_reads_a_page_at_least_as_well_as_the_line_choice(ocr_kit: Any) -> None:
    assert Settings().word_choice is False  # no better on the held-out pages: off by default
    lines = [ocr_kit.SENTENCE, "Second line: 1893 tons of coal were shipped from the harbour."]
    image = ocr_kit.text_image(lines)
    truth = "\n".join(lines)
    by_word = ocr_image(image, ["en"], settings=Settings(word_choice=True))  # opt-in (docs/ocr.md)
    by_line = ocr_image(image, ["en"])
    assert ocr_kit.char_error_rate(by_word.text, truth) <= ocr_kit.char_error_rate(by_line.text, truth) + 0.01
    assert ocr_kit.char_error_rate(by_word.text, truth) < 0.03


def test_word_spaces_rapidocr_ran_together_are_put_back_where_tesseract_saw_gaps() -> None:
    t_words = ["adequately", "carrying", "out", "his"]
    t_boxes = [(0, 0, 200, 40), (260, 0, 400, 40), (460, 0, 520, 40), (580, 0, 640, 40)]
    assert words.restore_spaces("adequatelycarryingouthis", t_words, t_boxes, 40) == "adequately carrying out his"
    # RapidOCR's own letters are kept (only spaces are added), and its spaces stay where they are
    assert words.restore_spaces("adequate1y carryingouth1s", t_words, t_boxes, 40) == "adequate1y carrying out h1s"
    # Tesseract's "words" only a kerning gap apart (a broken letter) are no reason for a space
    assert words.restore_spaces("Canadian", ["Canad", "han"], [(0, 0, 50, 40), (52, 0, 100, 40)], 40) == "Canadian"
    assert words.restore_spaces("word", ["word"], [(0, 0, 80, 40)], 40) == "word"


def test_tesseract_layout_options_are_checked_before_they_reach_its_command_line() -> None:
    from dataharbor.ingest.ocr import layout

    assert layout._option("textord_heavy_nr=1") == "textord_heavy_nr=1"
    for bad in ("textord_heavy_nr", "x=1 --psm 0", "a=1;rm", "=1"):
        with pytest.raises(ValueError, match="name=value"):
            layout._option(bad)
