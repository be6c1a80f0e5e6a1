"""The unit of training data that flows through the pipeline."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

KEPT = "kept"


@dataclass(slots=True)
class Provenance:
    """Where a record comes from: enough to find the exact bytes again."""

    source_sha256: str
    source_name: str  # file name as uploaded (or the archive's name)
    extractor: str
    extractor_version: str
    # location inside the source: {"member": "a/b.html", "page": 3, "row": 12, "line": 40, ...}
    location: dict[str, Any] = field(default_factory=dict)
    contribution_id: int = 0
    file_id: int = 0


@dataclass(slots=True)
class Record:
    """One document, page, row or segment of text with its annotations and decision.

    `annotations` maps a stage name to what that stage found (signals, entities, scores);
    `dropped_by`/`drop_reason` are set once, by the first filter that drops it.
    """

    id: str
    text: str
    provenance: Provenance
    modality: str = "text"
    metadata: dict[str, Any] = field(default_factory=dict)
    annotations: dict[str, Any] = field(default_factory=dict)
    dropped_by: str | None = None
    drop_reason: str | None = None

    @property
    def kept(self) -> bool:
        return self.dropped_by is None

    def drop(self, stage: str, reason: str) -> None:
        if self.dropped_by is None:
            self.dropped_by = stage
            self.drop_reason = reason


@dataclass(frozen=True, slots=True)
class ReadConfidence:
    """How sure the reader of a record's pixels or sound was: OCR (`ocr`) or speech recognition (`asr`)."""

    kind: str
    value: float  # 0..1
    by: str  # the OCR engine or speech model


def read_confidence(record: Record) -> ReadConfidence | None:
    """The OCR or ASR confidence extractors record in `metadata`; None for born-digital text."""
    for kind in ("ocr", "asr"):
        found = record.metadata.get(kind)
        if isinstance(found, dict) and isinstance(found.get("confidence"), int | float):
            by = found.get("engine") or found.get("model") or ""
            return ReadConfidence(kind, float(found["confidence"]), str(by))
    return None


def record_id(dataset_id: int, source_sha256: str, location: dict[str, Any]) -> str:
    """A stable id: the same location in the same file of the same dataset gets the same id.

    The dataset id is a readable prefix so `trace` knows where to look without a global index.
    """
    key = source_sha256 + "|" + "|".join(f"{k}={location[k]}" for k in sorted(location))
    return f"d{dataset_id}-{hashlib.sha256(key.encode()).hexdigest()[:20]}"


def dataset_id_of(rid: str) -> int | None:
    head = rid.split("-", 1)[0]
    if head.startswith("d") and head[1:].isdigit():
        return int(head[1:])
    return None
