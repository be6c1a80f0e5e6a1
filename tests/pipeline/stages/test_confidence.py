"""confidence stage: low OCR/ASR confidence is recorded, flagged for review or dropped, as the profile says."""

from __future__ import annotations

from typing import Any

import pytest

from dataharbor.domain.record import Provenance, Record
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import StageContext, build_stage, run_stages
from dataharbor.pipeline.stats import RunStats


def _record(rid: str, metadata: dict[str, Any], modality: str = "image") -> Record:
    return Record(rid, "some text read from a page", Provenance("0" * 64, "f", "x", "1"), modality, metadata)


def _batch() -> list[Record]:
    return [
        _record("ocr-high", {"ocr": {"engine": "tesseract", "confidence": 0.93}}),
        _record("ocr-low", {"ocr": {"engine": "tesseract", "confidence": 0.31}}),
        _record("asr-high", {"asr": {"model": "tiny.en", "confidence": 0.8}}, "audio"),
        _record("asr-low", {"asr": {"model": "tiny.en", "confidence": 0.2}}, "audio"),
        _record("born-digital", {"page_count": 3}, "text"),
    ]


def test_flag_keeps_low_confidence_records_and_marks_them_for_review() -> None:
    batch = _batch()
    counters: dict[str, dict[str, int]] = {}
    run_stages([build_stage("confidence", {}, StageContext())], batch, counters)
    by_id = {r.id: r for r in batch}
    assert all(r.kept for r in batch)
    assert by_id["ocr-low"].annotations["confidence"] == {
        "kind": "ocr",
        "value": 0.31,
        "threshold": 0.6,
        "low": True,
        "review": True,
    }
    assert by_id["ocr-high"].annotations["confidence"]["review"] is False
    assert by_id["asr-low"].annotations["confidence"]["kind"] == "asr"
    assert by_id["asr-low"].annotations["confidence"]["review"] is True
    assert "confidence" not in by_id["born-digital"].annotations
    stats = RunStats()
    stats.add_records(batch)
    assert stats.flagged_review == 2
    assert stats.modalities == {"image": 2, "audio": 2, "text": 1}


def test_drop_keeps_the_reason_and_per_kind_actions_override() -> None:
    batch = _batch()
    stage = build_stage("confidence", {"action": "drop", "asr_action": "keep", "min_ocr": 0.5}, StageContext())
    run_stages([stage], batch, {})
    by_id = {r.id: r for r in batch}
    assert (by_id["ocr-low"].dropped_by, by_id["ocr-low"].drop_reason) == ("confidence", "low_ocr_confidence")
    assert by_id["asr-low"].kept
    assert by_id["asr-low"].annotations["confidence"] == {
        "kind": "asr",
        "value": 0.2,
        "threshold": 0.5,
        "low": True,
        "review": False,
    }
    assert by_id["ocr-high"].kept and by_id["born-digital"].kept


@pytest.mark.parametrize(
    "params", [{"action": "delete"}, {"min_ocr": 1.5}, {"asr_action": "ignore"}, {"min_asr": -0.1}]
)
def test_bad_parameters_are_refused(params: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        build_stage("confidence", params, StageContext())
