"""confidence: route records whose OCR or speech-recognition confidence is low.

Extractors that read pixels or sound record how sure they are: `metadata["ocr"]["confidence"]`
(scans, photos, rendered PDF pages, video frames) and `metadata["asr"]["confidence"]`
(recordings and video soundtracks), both in 0..1. Born-digital text has neither and passes
untouched. What happens to a record below its threshold is the profile's choice:

- `keep`: record the signal only (`low: true`),
- `flag` (default): keep it and mark it for a curator's review (`review: true`),
- `drop`: drop it with reason `low_ocr_confidence` / `low_asr_confidence` (it stays in the
  decisions table, so nothing is lost).
"""

from __future__ import annotations

from typing import Any, ClassVar

from dataharbor.domain.record import Record, read_confidence
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import RecordStage, StageContext, register_stage

ACTIONS = ("keep", "flag", "drop")


@register_stage
class ConfidenceStage(RecordStage):
    """Annotation: `{"kind": "ocr"|"asr", "value": 0..1, "threshold": t, "low": bool, "review": bool}`."""

    name: ClassVar[str] = "confidence"

    def __init__(
        self,
        context: StageContext,
        min_ocr: float = 0.60,
        min_asr: float = 0.50,
        action: str = "flag",
        ocr_action: str | None = None,
        asr_action: str | None = None,
    ) -> None:
        super().__init__(context)
        for label, value in (("min_ocr", min_ocr), ("min_asr", min_asr)):
            if not 0.0 <= float(value) <= 1.0:
                raise ConfigError(f"confidence: {label} must be between 0 and 1, got {value}")
        for label, act in (("action", action), ("ocr_action", ocr_action), ("asr_action", asr_action)):
            if act is not None and act not in ACTIONS:
                raise ConfigError(f"confidence: {label} must be one of {', '.join(ACTIONS)}, got {act!r}")
        self.min_ocr = float(min_ocr)
        self.min_asr = float(min_asr)
        self.action = action
        self.ocr_action = ocr_action or action
        self.asr_action = asr_action or action

    def apply(self, record: Record) -> str | None:
        signal = read_confidence(record)
        if signal is None:
            return None
        kind, value = signal.kind, signal.value
        threshold, action = (self.min_ocr, self.ocr_action) if kind == "ocr" else (self.min_asr, self.asr_action)
        low = value < threshold
        note: dict[str, Any] = {
            "kind": kind,
            "value": round(value, 4),
            "threshold": threshold,
            "low": low,
            "review": low and action == "flag",
        }
        record.annotations[self.name] = note
        if low and action == "drop":
            return f"low_{kind}_confidence"
        return None
