"""Turn overlapping candidate detections into one clean, non-overlapping set, and redact."""

from __future__ import annotations

from collections.abc import Iterable

from dataharbor.pipeline.stages._pii_types import PRIORITY, Entity, placeholder


def resolve(candidates: Iterable[Entity], threshold: float) -> list[Entity]:
    """Keep detections scoring at least `threshold`; where they overlap, keep the one of the
    stronger type (validated identifiers, then addresses, then names), then the longer one."""
    ranked = sorted(
        _merge_same_type(e for e in candidates if e.score >= threshold and e.end > e.start),
        key=lambda e: (PRIORITY.get(e.type, 9), -(e.end - e.start), -e.score, e.start),
    )
    chosen: list[Entity] = []
    for entity in ranked:
        if all(entity.end <= c.start or entity.start >= c.end for c in chosen):
            chosen.append(entity)
    return sorted(chosen, key=lambda e: e.start)


def _merge_same_type(entities: Iterable[Entity]) -> list[Entity]:
    """Overlapping detections of one type are one entity (e.g. a street line and the unit line
    its extension reached): take their union and the best score."""
    merged: list[Entity] = []
    for e in sorted(entities, key=lambda e: (e.type, e.start)):
        last = merged[-1] if merged else None
        if last is not None and last.type == e.type and e.start < last.end:
            merged[-1] = Entity(last.start, max(last.end, e.end), e.type, max(last.score, e.score), last.source)
        else:
            merged.append(e)
    return merged


def redact(text: str, entities: list[Entity]) -> str:
    """Replace each (non-overlapping, sorted) span with its typed placeholder."""
    parts: list[str] = []
    pos = 0
    for e in entities:
        parts.append(text[pos : e.start])
        parts.append(placeholder(e.type))
        pos = e.end
    parts.append(text[pos:])
    return "".join(parts)
