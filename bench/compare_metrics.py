"""Accuracy of a run against the corpus truth: planted duplicates found, pages wrongly removed, PII recall."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def dedup_metrics(
    truth: Mapping[str, Any], reached: set[str], final: set[str], texts: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Planted pairs whose two pages both reached dedup: found when dedup removed at least one of them.

    A removal is right when it removes one page of a planted pair (the second page of a pair whose
    both pages went counts as wrong); every other removal is a page wrongly removed — an original as
    far as the truth knows (LibreOffice's help also holds natural near-duplicates, counted here too).
    """
    removed = reached - final
    out: dict[str, Any] = {"reached_dedup": len(reached), "removed": len(removed)}
    members: set[str] = set()
    right = 0
    for kind in ("exact", "near"):
        pairs = [(p[0], p[1]) for p in truth[kind] if p[0] in reached and p[1] in reached]
        found = [a in removed or b in removed for a, b in pairs]
        out[f"{kind}_pairs"] = len(pairs)
        out[f"{kind}_recall"] = round(sum(found) / len(pairs), 4) if pairs else None
        for a, b in pairs:
            members |= {a, b}
            right += 1 if (a in removed or b in removed) else 0
        if kind == "near":
            by_share: dict[float, list[bool]] = {}
            for p, f in zip([p for p in truth["near"] if p[0] in reached and p[1] in reached], found, strict=True):
                by_share.setdefault(float(p[2]), []).append(f)
            out["near_recall_by_edit_share"] = {str(k): round(sum(v) / len(v), 4) for k, v in sorted(by_share.items())}
    wrong = len(removed) - right
    originals = len(reached - members)
    out["precision"] = round(right / len(removed), 4) if removed else None
    out["wrongly_removed"] = wrong
    out["wrongly_removed_share"] = round(wrong / originals, 4) if originals else None
    out["wrongly_removed_not_planted"] = len(removed - members)
    if texts is not None:
        natural = natural_duplicates(texts, reached, removed - members)
        out["not_planted_best_match"] = natural
        # the sense of "wrongly removed": an original that is not a near-duplicate of anything
        # (best word 5-gram Jaccard to any page < 0.5); removals of natural near-duplicates are not errors
        unlike = natural["max_jaccard_lt_0.5"]
        out["removed_unlike_any_page"] = unlike
        out["removed_unlike_any_page_share"] = round(unlike / originals, 4) if originals else None
    return out


def pii_recall(truth: Iterable[Mapping[str, str]], texts: Mapping[str, str]) -> dict[str, Any]:
    """Share of planted values (in pages that reached the output) no longer readable in the output text."""
    per_type: dict[str, list[bool]] = {}
    for item in truth:
        text = texts.get(item["id"])
        if text is None:
            continue
        per_type.setdefault(item["type"], []).append(item["value"] not in text)
    total = [v for vs in per_type.values() for v in vs]
    return {
        "values_in_output_pages": len(total),
        "recall": round(sum(total) / len(total), 4) if total else None,
        "by_type": {t: round(sum(v) / len(v), 4) for t, v in sorted(per_type.items())},
    }


def _shingles(text: str, n: int = 5) -> set[int]:
    words = text.lower().split()
    return {hash(" ".join(words[i : i + n])) for i in range(max(1, len(words) - n + 1))}


def natural_duplicates(texts: Mapping[str, str], pool: set[str], suspects: set[str]) -> dict[str, Any]:
    """For each suspect (a page removed as a duplicate that the truth does not know about): its highest word
    5-gram Jaccard similarity to any other page of `pool` (pages that reached dedup), bucketed.

    Candidates come from a sample of the shingles (hash % 4 == 0); exact Jaccard on full shingle sets then.
    A suspect at >= 0.8 is a real near-duplicate in the source documentation, one below 0.5 is a page that no
    usual standard calls a duplicate (DataHarbor's dedup threshold is 0.65; datatrove's 14x8 LSH bands fire
    around 0.72, without a check of the estimate).
    """
    index: dict[int, list[str]] = {}
    for doc_id in pool:
        for h in _shingles(texts[doc_id]):
            if h % 4 == 0:
                index.setdefault(h, []).append(doc_id)
    best: dict[str, float] = {}
    for doc_id in suspects:
        mine = _shingles(texts[doc_id])
        counts: dict[str, int] = {}
        for h in mine:
            for other in index.get(h, []) if h % 4 == 0 else []:
                if other != doc_id:
                    counts[other] = counts.get(other, 0) + 1
        top = sorted(counts, key=counts.__getitem__, reverse=True)[:5]
        best[doc_id] = max((len(mine & (o := _shingles(texts[c]))) / len(mine | o) for c in top), default=0.0)
    values = list(best.values())
    return {
        "suspects": len(values),
        "max_jaccard_ge_0.8": sum(v >= 0.8 for v in values),
        "max_jaccard_0.65_0.8": sum(0.65 <= v < 0.8 for v in values),
        "max_jaccard_0.5_0.65": sum(0.5 <= v < 0.65 for v in values),
        "max_jaccard_lt_0.5": sum(v < 0.5 for v in values),
    }
