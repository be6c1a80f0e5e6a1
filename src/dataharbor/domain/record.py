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
