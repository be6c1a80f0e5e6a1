"""The UDHR character-trigram model that spares lingua: shipped model, batching, training, thresholds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dataharbor.evaldata import evaldata_dir
from dataharbor.pipeline.stages import _langid_tiny_thresholds as tuned_tiny
from dataharbor.pipeline.stages._langid_lingua import LinguaLangId
from dataharbor.pipeline.stages._langid_tiny import MODEL_PATH, TinyLangId, ngrams, save, train

SENTENCES = evaldata_dir() / "text" / "lingua_langid_testdata" / "language-testdata" / "sentences"


def sentences(lang: str, n: int) -> list[str]:
    lines = [s.strip() for s in (SENTENCES / f"{lang}.txt").read_text("utf-8").splitlines() if s.strip()]
    return lines[:n]


@pytest.fixture(scope="module")
def model() -> TinyLangId:
    return TinyLangId()


def test_shipped_model_is_small_and_covers_linguas_languages(model: TinyLangId) -> None:
    assert MODEL_PATH.stat().st_size < 2_000_000
    assert set(model.langs) == set(LinguaLangId().languages)


# the languages the lite fastText model has no label for: the reason this model exists
@pytest.mark.parametrize("lang", ["xh", "zu", "st", "tn", "ts", "sn", "lg", "mi"])
def test_languages_fasttext_lacks_are_recognised(model: TinyLangId, lang: str) -> None:
    got = model.scores_many(sentences(lang, 30))
    # Xhosa and Zulu are close Nguni languages: the top answer may be the other, the top 3 is not
    assert sum(bool(s) and s[0][0] == lang for s in got) >= (18 if lang in ("xh", "zu") else 25)
    assert sum(lang in [code for code, _ in s] for s in got) >= 28


def test_scores_are_sorted_probabilities_and_empty_without_known_ngrams(model: TinyLangId) -> None:
    [scores] = model.scores_many(["Der schnelle braune Fuchs springt über den faulen Hund."], k=5)
    assert len(scores) == 5
    probs = [p for _, p in scores]
    assert probs == sorted(probs, reverse=True)
    assert 0.0 < sum(probs) <= 1.0 + 1e-6
    assert scores[0][0] == "de"
    assert model.scores("") == []
    assert model.scores("✓ → ★ ⚡") == []
    assert model.scores_many([]) == []


def test_batches_give_the_same_answers_as_single_texts(model: TinyLangId) -> None:
    texts = [*sentences("fr", 20), "", "ok", *sentences("zu", 20)]  # several chunks, with gaps
    batched = model.scores_many(texts)
    single = [model.scores(t) for t in texts]
    assert [[lang for lang, _ in s] for s in batched] == [[lang for lang, _ in s] for s in single]
    for b, s in zip(batched, single, strict=True):
        assert np.allclose([p for _, p in b], [p for _, p in s], atol=1e-5)


def test_trigrams_mark_word_boundaries() -> None:
    assert ngrams("Ab  c") == [" ab", "ab ", "b c", " c "]


def test_training_on_toy_texts_separates_them(tmp_path: Path) -> None:
    texts = {"aa": "lorem ipsum dolor sit amet " * 20, "bb": "zyxw vut srq pon mlk " * 20}
    langs, vocab, logp = train(texts)
    assert langs == ["aa", "bb"]
    assert logp.shape == (len(vocab), 2)
    save(tmp_path / "m.npz", langs, vocab, logp)
    toy = TinyLangId(tmp_path / "m.npz")
    assert toy.scores("dolor sit")[0][0] == "aa"
    assert toy.scores("vut srq")[0][0] == "bb"


def test_tuned_thresholds_are_probabilities_or_never() -> None:
    assert tuned_tiny.TINY_ACCEPT
    assert all(0.0 <= t <= 1.01 for t in tuned_tiny.TINY_ACCEPT.values())
    assert tuned_tiny.TINY_DEFAULT_ACCEPT > 1.0  # labels tuning never saw are left to lingua
