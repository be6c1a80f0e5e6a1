"""The safety stage: shipped model loads, ranks hate above neutral text, flags/drops, multilingual lexicon."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.errors import ConfigError, MissingExtra
from dataharbor.ingest.extractor import Extracted
from dataharbor.ingest.walk import source_from_path, walk
from dataharbor.pipeline.stage import StageContext, build_stage, run_stages
from dataharbor.pipeline.stages._safety_features import HASH_DIM, N_DENSE, sentence_windows, windows
from dataharbor.pipeline.stages._safety_lexicon import TermMatcher
from dataharbor.pipeline.stages._safety_model import WINDOW_CHARS, WindowMemo, aggregate, builtin_dir, builtin_model
from dataharbor.pipeline.stages._safety_text import canonical, tokens
from dataharbor.pipeline.stages.safety import SafetyStage

HATEFUL = [
    "I hate Muslims, they are vermin.",
    "All immigrants are disgusting parasites and should be deported.",
    "Women are worthless and belong in the kitchen.",
    "Gay people are a disease on society.",
    "We should kill all the black people.",
]
NEUTRAL = [
    "The weather in Lisbon was lovely this weekend.",
    "Please send me the quarterly report by Friday.",
    "The museum opens at nine and closes at five.",
    "Our team finished the project ahead of schedule.",
    "She planted tomatoes and basil in the garden.",
]


def rec(text: str, i: int = 0) -> Record:
    return Record(id=f"r{i}", text=text, provenance=Provenance("0" * 64, "t.txt", "test", "1"))


def stage(**params: object) -> SafetyStage:
    s = build_stage("safety", dict(params), StageContext())
    assert isinstance(s, SafetyStage)
    return s


def test_shipped_model_files_load_and_are_small() -> None:
    model = builtin_model()
    assert model.weights.shape == (HASH_DIM + N_DENSE,)
    assert np.isfinite(model.weights).all()
    assert 0.0 < model.threshold < 1.0
    total = sum(p.stat().st_size for p in builtin_dir().iterdir())
    assert total < 5 * 1024 * 1024
    assert not list(builtin_dir().glob("*.pkl"))


def test_hateful_ranked_above_neutral() -> None:
    model = builtin_model()
    hate = [model.score(t).toxicity for t in HATEFUL]
    neutral = [model.score(t).toxicity for t in NEUTRAL]
    assert min(hate) > max(neutral)


def test_annotation_and_flag_with_default_threshold() -> None:
    records = [rec(HATEFUL[0], 0), rec(NEUTRAL[0], 1)]
    counters: dict[str, dict[str, int]] = {}
    run_stages([stage()], records, counters)
    bad, good = (r.annotations["safety"] for r in records)
    assert set(bad) == {"toxicity", "flagged", "lexicon_hits", "max_window", "windows", "windows_over"}
    assert bad["flagged"] is True and good["flagged"] is False
    assert 0.0 <= good["toxicity"] < bad["toxicity"] <= 1.0
    assert all(r.kept for r in records)  # flag only by default
    assert counters["safety"] == {"total": 2, "kept": 2}


def test_drop_mode_drops_with_reason_toxic() -> None:
    records = [rec(HATEFUL[1], 0), rec(NEUTRAL[1], 1)]
    counters: dict[str, dict[str, int]] = {}
    run_stages([stage(drop=True)], records, counters)
    assert records[0].drop_reason == "toxic" and records[0].dropped_by == "safety"
    assert records[1].kept
    assert counters["safety"]["dropped_toxic"] == 1


def test_threshold_param_moves_the_flag() -> None:
    text = NEUTRAL[2]
    score = builtin_model().score(text).toxicity
    low, high = [rec(text)], [rec(text)]
    stage(threshold=max(0.0, score - 0.01)).process(low)
    stage(threshold=min(1.0, score + 0.01)).process(high)
    assert low[0].annotations["safety"]["flagged"] is True
    assert high[0].annotations["safety"]["flagged"] is False


def test_bad_threshold_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        stage(threshold=2.0)


def test_empty_text_scores_zero() -> None:
    records = [rec(""), rec("   \n ")]
    stage().process(records)
    for r in records:
        assert r.annotations["safety"]["toxicity"] == 0.0 and not r.annotations["safety"]["flagged"]
        assert r.annotations["safety"]["lexicon_hits"] == 0


def test_non_english_lexicon_signal() -> None:
    model = builtin_model()
    clean = model.score("Nous avons visité le musée et mangé dans un petit restaurant.")
    rude = model.score("Va te faire foutre, espèce de connard.")
    assert clean.lexicon_hits == 0 and rude.lexicon_hits >= 1
    assert rude.toxicity > clean.toxicity
    de = model.score("Du bist ein Arschloch.")
    assert de.lexicon_hits >= 1
    zh = model.score("你他妈的")  # space-less script: substring matching
    assert zh.lexicon_hits >= 1


def test_lexicon_matching_respects_word_boundaries() -> None:
    matcher = TermMatcher(["ass", "blow job"])
    text = canonical("A classic assessment, then an ASS and a blow   job; asses too.")
    assert matcher.count(tokens(text), text) == 3


def test_canonical_undoes_evasions() -> None:
    assert tokens(canonical("I h8 b l a c k people")) == ["i", "h8", "black", "people"]
    assert tokens(canonical("n1gg3r")) == ["nigger"]
    assert canonical("RT @someone: soooo http://x.y/z").split() == [":", "soo"]


def test_long_text_is_windowed_and_aggregated() -> None:
    filler = " ".join(NEUTRAL) + " "
    long_text = filler * 40 + HATEFUL[0] + " " + filler * 40
    assert len(windows(long_text, 400)) > 10
    model = builtin_model()
    # one hateful sentence in ~40 KB of neutral text: found, and recorded, in every mode
    top = model.score(long_text)
    assert top.max_window >= model.threshold and top.windows_over >= 1
    # `max` lets that sentence decide; `topk` (default) needs several toxic windows in a long text,
    # so long benign documents are not flagged for one false alarm
    assert model.score(long_text, "max").toxicity >= model.threshold
    assert top.toxicity < model.threshold
    hateful_doc = filler * 4 + " ".join(HATEFUL) + " " + filler * 4
    assert model.score(hateful_doc).toxicity >= model.threshold
    assert model.score(filler * 80).toxicity < model.threshold
    assert model.score(filler * 80, "max").toxicity < model.threshold


@pytest.mark.skipif(importlib.util.find_spec("transformers") is not None, reason="transformers is installed")
def test_hf_model_without_transformers_is_a_missing_extra() -> None:
    s = stage(model="unitary/toxic-bert")
    with pytest.raises(MissingExtra) as info:
        s.ensure_setup()
    assert "safety-hf" in str(info.value)


def test_model_card_states_training_data_and_figures() -> None:
    card = (builtin_dir() / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "HateCheck" in card and "Davidson" in card and "ROC-AUC" in card
    assert Path(builtin_dir() / "model.json").is_file()


DEMO = Path(__file__).resolve().parents[3] / "samples" / "bundle"


def demo_texts() -> dict[str, str]:
    out: dict[str, str] = {}
    for path in sorted(p for p in DEMO.rglob("*") if p.is_file()):
        for item in walk(source_from_path(path)):
            if isinstance(item, Extracted) and item.text.strip():
                out[f"{path.name}{item.location}"] = item.text
    return out


def test_demo_hateful_review_outranks_every_benign_demo_record() -> None:
    texts = demo_texts()
    hateful = [k for k in texts if k.startswith("reader-reviews.csv") and "'row': 5" in k]
    assert len(hateful) == 1 and len(texts) > 10
    records = [rec(t, i) for i, t in enumerate(texts.values())]
    stage().process(records)
    by_key = {k: r.annotations["safety"] for k, r in zip(texts, records, strict=True)}
    hate = by_key.pop(hateful[0])
    assert all(a["toxicity"] < hate["toxicity"] for a in by_key.values())
    assert not any(a["flagged"] for a in by_key.values())  # e.g. letter L-001 was flagged before


def test_ordinary_words_are_not_repaired_into_markers() -> None:
    featurizer = builtin_model().featurizer
    for word in ["families", "books", "water", "church", "sleeping", "school"]:
        repaired, classes = featurizer._analyse(word)
        assert repaired == [word] and not classes[0].startswith("<lex"), word
    assert featurizer._analyse("womn")[1] == ["<id>"]  # evasions are still undone


def test_sentence_windows_cover_the_text() -> None:
    text = "Short one. " + "A longer sentence about the harbour and its boats. " * 3 + "x " * 400
    ws = sentence_windows(text, 300)
    assert all(len(w) <= 300 for w in ws)
    assert "".join(ws).replace(" ", "") == text.replace(" ", "")


def test_a_batch_scores_each_text_as_it_scores_alone() -> None:
    model = builtin_model()
    filler = " ".join(NEUTRAL) + " "
    texts = [*HATEFUL, *NEUTRAL, "", "   ", filler * 30 + HATEFUL[1], HATEFUL[0], filler * 3]  # repeats, empties
    memo = WindowMemo()

    def alone(text: str, how: str) -> tuple[float, int, float, int, int]:
        """The per-text definition: each window through `margin` on its own, then the aggregation."""
        windows = sentence_windows(text, WINDOW_CHARS) if text.strip() else []
        if not windows:
            return (0.0, 0, 0.0, 1, 0)  # Score(0.0, 0): an empty text counts as one clean window
        scored = [(float(1.0 / (1.0 + np.exp(-z))), hits) for z, hits in map(model.margin, windows)]
        probs = [p for p, _ in scored]
        over = sum(p >= model.threshold for p in probs)
        return (aggregate(probs, how), sum(h for _, h in scored), max(probs), len(probs), over)

    for how in ("topk", "max"):
        batch = [
            (s.toxicity, s.lexicon_hits, s.max_window, s.windows, s.windows_over) for s in model.score_many(texts, how)
        ]
        assert batch == [alone(t, how) for t in texts]  # bit for bit
        assert model.score_many(texts, how, memo) == model.score_many(texts, how, memo)  # the second from memory
    assert HATEFUL[0] in memo


def test_window_memory_is_bounded_and_emptied_per_job() -> None:
    memo = WindowMemo(max_chars=100)
    builtin_model().score_many([" ".join(NEUTRAL)], memo=memo)
    assert sum(map(len, memo._scores)) <= 100
    s = stage()
    records = [rec(t, i) for i, t in enumerate(HATEFUL)]
    run_stages([s], records, {})
    assert HATEFUL[0] in s._memo
    s._ready = False
    s.ensure_setup()  # a new job in the same process: no window of the last one is kept
    assert HATEFUL[0] not in s._memo and not builtin_model().featurizer._memo
