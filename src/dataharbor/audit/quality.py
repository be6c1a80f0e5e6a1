"""Quality: the distribution of every quality signal, drops by stage and reason, the share kept."""

from __future__ import annotations

from collections import Counter

from dataharbor.audit.section import AuditContext, Section, SectionResult, ann, pct, share
from dataharbor.audit.stream import SIGNAL_EDGES, Histogram
from dataharbor.domain.record import Record

_MAX_SIGNALS = 64  # bounds the report whatever a custom quality stage annotates
_FLUSH = 1024  # records whose signal values are gathered before they go into the histograms


class Quality(Section):
    name = "quality"

    def __init__(self, ctx: AuditContext) -> None:
        super().__init__(ctx)
        self.signals: dict[str, Histogram] = {}
        # each signal's values of the last records, added to its histogram in one call every _FLUSH records (a
        # histogram call per value was most of this section's cost): the same values in the same order
        self._pending: dict[str, list[float]] = {}
        self._since_flush = 0
        self.kept = 0
        self.dropped = 0
        self.by_stage: Counter[str] = Counter()
        self.by_reason: Counter[str] = Counter()
        self.junk = ctx.examples()

    def observe(self, record: Record, kept: bool) -> None:
        if kept:
            self.kept += 1
        else:
            self.dropped += 1
            self.by_stage[record.dropped_by or "?"] += 1
            self.by_reason[f"{record.dropped_by}:{record.drop_reason}"] += 1
            if record.dropped_by == "quality":
                self.junk.add(self.ctx.example(record))
        pending = self._pending
        for key, value in ann(record, "quality").items():
            kind = type(value)  # float and int (what JSON gives) first: one isinstance per value cost more
            if kind is not float and kind is not int and (kind is bool or not isinstance(value, int | float)):
                continue
            values = pending.get(key)
            if values is None:
                if len(self.signals) >= _MAX_SIGNALS:
                    continue
                self.signals[key] = Histogram(SIGNAL_EDGES)
                values = pending[key] = []
            values.append(float(value))
        self._since_flush += 1
        if self._since_flush >= _FLUSH:
            self._flush()

    def _flush(self) -> None:
        for key, values in self._pending.items():
            self.signals[key].add_many(values)
            values.clear()
        self._since_flush = 0

    def finish(self) -> SectionResult:
        self._flush()
        total = self.kept + self.dropped
        kept_share = share(self.kept, total)
        out = SectionResult(
            {
                "records": total,
                "kept": self.kept,
                "dropped": self.dropped,
                "share_kept": kept_share,
                "drops_by_stage": dict(self.by_stage.most_common()),
                "drops_by_reason": dict(self.by_reason.most_common()),
                "signals": {k: h.to_dict() for k, h in sorted(self.signals.items())},
            }
        )
        minimum = float(self.rules["min_share_kept"])
        if total and kept_share < minimum:
            out.add(
                "quality.low_share_kept",
                "warning",
                self.name,
                f"Only {pct(kept_share)} of the records were kept (rule: at least {pct(minimum)})",
                kept_share,
                minimum,
            )
        junk = self.by_stage.get("quality", 0)
        if junk:
            junk_share = share(junk, total)
            limit = float(self.rules["junk_warn_share"])
            reasons = ", ".join(
                f"{k.split(':', 1)[1]} {v}" for k, v in self.by_reason.items() if k.startswith("quality:")
            )
            out.add(
                "quality.junk_dropped",
                "warning" if junk_share > limit else "info",
                self.name,
                f"{junk} records ({pct(junk_share)}) were dropped as low-quality text or junk ({reasons})",
                junk_share,
                limit,
                self.junk,
            )
        if total and not self.signals:
            out.add("quality.not_scored", "info", self.name, "The pipeline profile computed no quality signals")
        return out
