"""Per-word choice between Tesseract's and RapidOCR's readings (`dataharbor.ingest.ocr.words`)."""

from __future__ import annotations

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
