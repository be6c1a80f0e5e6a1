"""The dedup fingerprint's text folding: the fast table build equals a scan of all of Unicode."""

from __future__ import annotations

import sys

from dataharbor.pipeline.stages._dedup_signature import _fold_table, _folds, fold_tokens


def test_fold_table_built_from_ranges_equals_a_full_scan() -> None:
    full = {cp for cp in range(sys.maxunicode + 1) if _folds(cp)}
    assert set(_fold_table()) == full
    assert len(full) > 5000  # punctuation, symbols, separators, controls of every script


def test_folding_keeps_letters_marks_and_digits_of_every_script() -> None:
    assert fold_tokens("Ｈｅｌｌｏ, WORLD! 42 l'été — «ok»") == ["hello", "world", "42", "l", "été", "ok"]
    assert fold_tokens("नमस्ते दुनिया।") == ["नमस्ते", "दुनिया"]  # combining vowel signs stay in the word
    assert fold_tokens("東京タワー、２０２４年") == ["東京タワー", "2024年"]
    assert fold_tokens("a\u200bb\x00c") == ["a", "b", "c"]  # format and control characters split
