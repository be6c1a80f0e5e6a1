from __future__ import annotations

from collections.abc import Sequence

from dataharbor.domain.record import Provenance, Record
from dataharbor.pipeline.stage import RecordStage, Stage, StageContext, merge_counters, run_stages


class DropShort(RecordStage):
    name = "drop_short"

    def apply(self, record: Record) -> str | None:
        return "too_short" if len(record.text) < 3 else None


class Tag(Stage):
    name = "tag"

    def process(self, batch: Sequence[Record]) -> None:
        for r in batch:
            r.annotations["tag"] = {"seen": True}


def _records(texts: list[str]) -> list[Record]:
    return [Record(str(i), t, Provenance("0" * 64, "x", "t", "1")) for i, t in enumerate(texts)]


def test_counters_and_dropped_records_skip_later_stages() -> None:
    recs = _records(["a", "hello", "hi", "world"])
    counters: dict[str, dict[str, int]] = {}
    ctx = StageContext()
    run_stages([DropShort(ctx), Tag(ctx)], recs, counters)
    assert counters["drop_short"] == {"total": 4, "kept": 2, "dropped": 2, "dropped_too_short": 2}
    assert counters["tag"] == {"total": 2, "kept": 2}
    assert [r.drop_reason for r in recs] == ["too_short", None, "too_short", None]
    assert "tag" not in recs[0].annotations and recs[1].annotations["tag"] == {"seen": True}
    merged: dict[str, dict[str, int]] = {"tag": {"total": 1, "kept": 1}}
    merge_counters(merged, counters)
    assert merged["tag"] == {"total": 3, "kept": 3}


def test_first_drop_wins() -> None:
    r = _records(["x"])[0]
    r.drop("a", "one")
    r.drop("b", "two")
    assert (r.dropped_by, r.drop_reason, r.kept) == ("a", "one", False)
