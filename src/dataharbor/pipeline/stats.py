"""Summary statistics of a processing run, gathered while records stream to the shards."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dataharbor.domain.record import Record
from dataharbor.pipeline.stage import StageCounters, merge_counters


@dataclass(slots=True)
class RunStats:
    records: int = 0
    kept: int = 0
    dropped: int = 0
    chars_kept: int = 0
    drop_reasons: Counter[str] = field(default_factory=Counter)  # "stage:reason" -> n
    languages: Counter[str] = field(default_factory=Counter)  # kept records by language
    pii_entities: Counter[str] = field(default_factory=Counter)  # entity type -> n, in kept records
    records_with_pii: int = 0
    flagged_unsafe: int = 0
    flagged_review: int = 0  # kept records a stage marked for a curator's review (e.g. low OCR confidence)
    modalities: Counter[str] = field(default_factory=Counter)  # kept records by modality
    duplicates: int = 0
    files: Counter[str] = field(default_factory=Counter)  # status -> n
    file_types: Counter[str] = field(default_factory=Counter)
    stages: dict[str, StageCounters] = field(default_factory=dict)

    def add_records(self, batch: list[Record]) -> None:
        for r in batch:
            self.records += 1
            if r.kept:
                self.kept += 1
                self.chars_kept += len(r.text)
                self.modalities[r.modality] += 1
                if any(isinstance(a, dict) and a.get("review") for a in r.annotations.values()):
                    self.flagged_review += 1
                lang = r.annotations.get("language")
                self.languages[lang.get("lang", "und") if isinstance(lang, dict) else "und"] += 1
                safety = r.annotations.get("safety")
                if isinstance(safety, dict) and safety.get("flagged"):
                    self.flagged_unsafe += 1
                pii = r.annotations.get("pii")
                if isinstance(pii, dict) and isinstance(pii.get("counts"), dict) and pii["counts"]:
                    self.records_with_pii += 1
                    self.pii_entities.update({str(k): int(v) for k, v in pii["counts"].items()})
            else:
                self.dropped += 1
                self.drop_reasons[f"{r.dropped_by}:{r.drop_reason}"] += 1
                if r.drop_reason in ("exact_duplicate", "near_duplicate"):
                    self.duplicates += 1

    def add_counters(self, counters: dict[str, StageCounters]) -> None:
        merge_counters(self.stages, counters)

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "kept": self.kept,
            "dropped": self.dropped,
            "chars_kept": self.chars_kept,
            "drop_reasons": dict(self.drop_reasons.most_common()),
            "languages": dict(self.languages.most_common()),
            "pii_entities": dict(self.pii_entities.most_common()),
            "records_with_pii": self.records_with_pii,
            "flagged_unsafe": self.flagged_unsafe,
            "flagged_review": self.flagged_review,
            "modalities": dict(self.modalities.most_common()),
            "duplicates": self.duplicates,
            "files": dict(self.files),
            "file_types": dict(self.file_types.most_common()),
            "stages": self.stages,
        }
