"""The safety features hashed in one pass per window equal the per-group definition the model was trained
with: every bucket index and value, bit for bit, on real text."""

from __future__ import annotations

import csv
import html
import unicodedata

import numpy as np
import numpy.typing as npt

from dataharbor.evaldata import evaldata_dir
from dataharbor.pipeline.stages import _safety_features, _safety_text
from dataharbor.pipeline.stages._safety_features import HASH_DIM, hash_groups, sentence_windows
from dataharbor.pipeline.stages._safety_lexicon import TermMatcher, _plural_stem
from dataharbor.pipeline.stages._safety_model import builtin_model

Ints = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]


def _mix(h: U64, salt: int) -> Ints:
    """The splitmix64 bucket as first written: one salt per call, folded to 64 bits in Python."""
    z = h + np.uint64((salt * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(HASH_DIM)).astype(np.int64)


def _reference(groups: list[list[tuple[U64, int]]]) -> tuple[Ints, npt.NDArray[np.float32]]:
    """Per group: the sorted distinct buckets of all its orders, each valued 1/sqrt(their number)."""
    idx: list[Ints] = []
    val: list[npt.NDArray[np.float32]] = []
    for group in groups:
        if not group:
            continue
        unique = np.unique(np.concatenate([_mix(h, salt) for h, salt in group]))
        idx.append(unique)
        val.append(np.full(len(unique), 1.0 / np.sqrt(len(unique)), dtype=np.float32))
    if not idx:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    return np.concatenate(idx), np.concatenate(val)


def _texts() -> list[str]:
    """HateCheck's cases, Davidson's tweets, and UDHR windows in many scripts."""
    root = evaldata_dir()
    with open(root / "toxicity" / "hatecheck" / "test_suite_cases.csv", encoding="utf-8") as fh:
        texts = [row["test_case"] for _, row in zip(range(400), csv.DictReader(fh), strict=False)]
    with open(root / "toxicity" / "davidson_hate_offensive" / "labeled_data.csv", encoding="utf-8") as fh:
        texts += [row["tweet"] for _, row in zip(range(400), csv.DictReader(fh), strict=False)]
    for path in sorted((root / "text" / "udhr" / "txt").glob("*.txt"))[::10]:
        texts += sentence_windows(path.read_text(encoding="utf-8")[:1200], 400)
    return [*texts, "", "!!!", "no", "x" * 500]


def test_one_pass_hashing_equals_the_per_group_definition() -> None:
    featurizer = builtin_model().featurizer
    texts = _texts()
    assert len(texts) > 1000
    rng = np.random.default_rng(5)
    for text in texts:
        words = text.split()
        # the groups' inputs need not be the featurizer's own streams for this equality; real words are enough
        groups = hash_groups(words, [w.lower() for w in words][::-1], words[:3], words)
        got = _safety_features._grouped(groups)
        want = _reference(groups)
        assert np.array_equal(got[0], want[0]) and got[0].dtype == want[0].dtype
        assert np.array_equal(got[1], want[1]) and got[1].dtype == want[1].dtype
        full = featurizer.features(text)
        assert full.indices.dtype == np.int64 and full.values.dtype == np.float32
    # random large hashes exercise the 64-bit wrap-around of the salt product
    big = [
        [(rng.integers(0, 2**63, size=50, dtype=np.uint64), 37), (rng.integers(0, 2**63, size=9, dtype=np.uint64), 18)]
    ]
    assert all(np.array_equal(a, b) for a, b in zip(_safety_features._grouped(big), _reference(big), strict=True))


def _canonical_reference(text: str) -> str:
    """`canonical` as first written: the leet callback on every run of letters, digits and @$!."""
    text = unicodedata.normalize("NFKC", html.unescape(text)).lower()
    text = _safety_text._URL.sub(" ", text)
    text = _safety_text._MENTION.sub(" ", text)
    text = _safety_text._RETWEET.sub(" ", text)
    text = _safety_text._SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = _safety_text._LEET_TOKEN.sub(_safety_text._deleet, text)
    return _safety_text._STRETCH.sub(r"\1\1", text)


def _count_reference(matcher: TermMatcher, toks: list[str]) -> int:
    """`TermMatcher.count` as first written (without the space-less scripts part)."""
    phrases, hits = matcher._phrases, 0
    for i, tok in enumerate(toks):
        if (tok,) in phrases or _plural_stem(tok) in phrases:
            hits += 1
        for n in range(2, min(matcher._max_len, len(toks) - i) + 1):
            if tuple(toks[i : i + n]) in phrases:
                hits += 1
    return hits


def _odd_texts() -> list[str]:
    """Random strings of leet characters, entities, line breaks, sigma, combining marks, quotes."""
    rng = np.random.default_rng(11)
    pieces = "a B 3 0 @ $ ! &#10; &amp &lt; ΟΔΟΣ Σ \u0301 e ｆ www.x.org @bob ' ’ \" « ? _ ǅ İ niggas bitches".split()
    pieces += [" ", "  ", "\n", "x x x", "rt"]
    return ["".join(rng.choice(pieces, size=rng.integers(0, 40))) for _ in range(3000)]


def test_the_leet_pass_and_the_batched_canonical_form_equal_the_first_definition() -> None:
    texts = _odd_texts() + _texts()
    for text in texts:
        assert _safety_text.canonical(text) == _canonical_reference(text), text
    windows = [w for t in texts for w in sentence_windows(t, 300) if t.strip()]
    assert _safety_text.canonical_many(windows) == [_canonical_reference(w) for w in windows]
    assert _safety_text.canonical_many(["a&#10;b", "c"]) == ["a\nb", "c"]  # a line break appears: one by one


def test_word_tokens_and_the_fast_lexicon_count_equal_their_definitions() -> None:
    featurizer = builtin_model().featurizer
    for text in _odd_texts() + _texts():
        canon = _safety_text.canonical(text)
        assert _safety_text.word_tokens(_safety_text.tokens(canon, punct=True)) == _safety_text.tokens(canon)
        toks = _safety_text.tokens(canon)
        assert featurizer.lexicon.count(toks, "") == _count_reference(featurizer.lexicon, toks)
    phrases = ["son of a bitch", "bitch", "mother fucker"]
    toks = "you son of a bitches son of a bitch mother fucker mothers".split()
    assert TermMatcher(phrases).count(toks, "") == _count_reference(TermMatcher(phrases), toks) == 4


def test_batched_features_equal_the_per_window_features_bit_for_bit() -> None:
    featurizer = builtin_model().featurizer
    windows = [w for t in _texts() + _odd_texts() for w in (sentence_windows(t, 300) if t.strip() else [t])]
    batch = featurizer.features_many(windows)
    assert len(batch.lexicon_hits) == len(windows) and batch.bounds[-1] == len(batch.indices)
    for i, window in enumerate(windows):
        one = featurizer.features(window)
        a, b = batch.bounds[i], batch.bounds[i + 1]
        assert np.array_equal(batch.indices[a:b], one.indices) and batch.indices.dtype == one.indices.dtype
        assert np.array_equal(batch.values[a:b], one.values) and batch.values.dtype == one.values.dtype
        assert batch.lexicon_hits[i] == one.lexicon_hits
    assert featurizer.features_many([]).lexicon_hits == []


def test_vectorised_dense_functions_equal_the_scalar_calls() -> None:
    # the dense block takes log1p / tanh over a whole batch; the per-window path called them on one number
    rng = np.random.default_rng(2)
    xs = np.concatenate([np.arange(0, 2000, dtype=np.float64), rng.normal(0, 3, 20000), rng.uniform(0, 40, 20000)])
    assert np.array_equal(np.log1p(xs[xs >= 0]), np.array([np.log1p(x) for x in xs[xs >= 0]]))
    assert np.array_equal(np.tanh(xs), np.array([np.tanh(x) for x in xs]))
