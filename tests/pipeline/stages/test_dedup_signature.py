"""The dedup fingerprint's text folding: the fast table build equals a scan of all of Unicode."""

from __future__ import annotations

import random
import sys
import unicodedata

from dataharbor.evaldata import evaldata_dir
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


def _fold_tokens_by_definition(text: str) -> list[str]:
    return unicodedata.normalize("NFKC", text).casefold().translate(_fold_table()).split()


def test_folding_equals_its_definition_on_real_text_of_every_script() -> None:
    """`fold_tokens` works on a NumPy array of code points; it must equal the plain `str.translate` definition
    (the exact hashes it feeds are stored in the platform index)."""
    paths = sorted((evaldata_dir() / "text" / "udhr" / "txt").glob("*.txt"))
    assert len(paths) > 300
    rng = random.Random(3)
    for path in paths:
        text = path.read_text(encoding="utf-8")[:3000]
        assert fold_tokens(text) == _fold_tokens_by_definition(text), path.name
    # odd input: lone surrogates cannot reach here (records are valid str), but astral, controls, empty can
    odd = ["", " ", "\x00", "😀a😀", "\U0010fffd\U000e0001x", "a\u2028b\u00a0c\ufeffd", "ǅungla ﬁ ＡＢ"]
    for text in odd + ["".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(400)) for _ in range(50)]:
        assert fold_tokens(text) == _fold_tokens_by_definition(text), repr(text)
