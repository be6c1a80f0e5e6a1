"""The OCR benchmark's character error rate (bench/accuracy/ocr.py), incl. the ISRI "~" convention."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "accuracy" / "ocr.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_accuracy_ocr", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _full_table(a: str, b: str, wildcard: str = "") -> int:
    """Plain O(n·m) edit distance, the reference for the banded one."""
    prev = [0]
    for ch in b:
        prev.append(prev[-1] + (ch != wildcard or not wildcard))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            wild = bool(wildcard) and y == wildcard
            cur.append(min(prev[j - 1] + (not wild and x != y), prev[j] + 1, cur[j - 1] + (not wild)))
        prev = cur
    return prev[-1]


def test_plain_cer_counts_every_reference_character(bench: ModuleType) -> None:
    assert bench.cer("the quick fox", "the quick fox") == (0, 13)
    assert bench.cer("the quick fax", "the  quick\nfox") == (1, 13)  # whitespace collapsed
    assert bench.cer("“a” — b", '"a" - b') == (0, 7)  # typographic quotes and dashes folded
    assert bench.cer("ab~d", "abxd") == (1, 4)  # a "~" the OCR wrote is no wildcard


def test_isri_scoring_treats_a_reference_tilde_as_a_free_wildcard(bench: ModuleType) -> None:
    # the tilde stands for any one character, or for none, and is not a character of the page
    assert bench.cer("word", "w~rd", isri=True) == (0, 3)
    assert bench.cer("wrd", "w~rd", isri=True) == (0, 3)
    assert bench.cer("woord", "w~rd", isri=True) == (1, 3)  # one extra character is still an error
    assert bench.cer("wXrd", "w~rd", isri=True) == (0, 3)
    assert bench.cer("ward", "w~rd", isri=False) == (1, 4)  # the plain figure counts it as a character
    assert bench.cer("a ~~ b", "a ~~ b", isri=True) == (0, 4)
    assert bench.cer("", "~~~", isri=True) == (0, 0)
    assert bench.cer("xyz", "~", isri=True) == (2, 0)  # one wildcard absorbs one character, not three


def test_banded_distance_equals_the_full_table(bench: ModuleType) -> None:
    rng = random.Random(3)
    for _ in range(60):
        ref = "".join(rng.choice("ab~ c") for _ in range(rng.randint(0, 90)))
        hyp = "".join(rng.choice("abc ") for _ in range(rng.randint(0, 90)))
        assert bench.levenshtein(hyp, ref) == _full_table(hyp, ref)
        assert bench.levenshtein(hyp, ref, "~") == _full_table(hyp, ref, "~")
    # far apart and long: the band has to grow several times
    ref = "~" * 40 + "x" * 300
    assert bench.levenshtein("x" * 300, ref, "~") == 0
    assert bench.levenshtein("y" * 50 + "x" * 300, ref, "~") == _full_table("y" * 50 + "x" * 300, ref, "~")
