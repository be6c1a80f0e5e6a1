"""Inappropriate content: the toxicity score distribution, records flagged (kept) and dropped."""

from __future__ import annotations

from dataharbor.audit.section import AuditContext, Section, SectionResult, ann, pct, share
from dataharbor.audit.stream import SCORE_EDGES, Histogram
from dataharbor.domain.record import Record


class Safety(Section):
    name = "safety"

    def __init__(self, ctx: AuditContext) -> None:
        super().__init__(ctx)
        self.scores = Histogram(SCORE_EDGES)
        self.kept = 0
        self.scored = 0
        self.flagged_kept = 0
        self.dropped = 0
        self.ex_flagged = ctx.examples()
        self.ex_dropped = ctx.examples()

    def observe(self, record: Record, kept: bool) -> None:
        found = ann(record, "safety")
        if kept:
            self.kept += 1
        if not found:
            return
        self.scored += 1
        score = found.get("toxicity")
        if isinstance(score, int | float):
            self.scores.add(float(score))
        if not kept and record.dropped_by == "safety":
            self.dropped += 1
            self.ex_dropped.add(self.ctx.example(record))
        elif kept and found.get("flagged"):
            self.flagged_kept += 1
            self.ex_flagged.add(self.ctx.example(record))

    def finish(self) -> SectionResult:
        flagged_share = share(self.flagged_kept, self.kept)
        out = SectionResult(
            {
                "scored_records": self.scored,
                "kept_records": self.kept,
                "flagged_kept": self.flagged_kept,
                "flagged_share": flagged_share,
                "dropped": self.dropped,
                "toxicity": self.scores.to_dict(),
            }
        )
        if self.kept and not self.scored:
            out.add(
                "safety.not_scored",
                "warning",
                self.name,
                "No record was scored for inappropriate content (the pipeline profile has no safety stage)",
            )
        if self.flagged_kept:
            warn, fail = float(self.rules["flagged_warn_share"]), float(self.rules["flagged_error_share"])
            out.add(
                "safety.flagged",
                "error" if flagged_share > fail else ("warning" if flagged_share > warn else "info"),
                self.name,
                f"{self.flagged_kept} kept records ({pct(flagged_share)}) were flagged as offensive or otherwise"
                " inappropriate",
                flagged_share,
                fail,
                self.ex_flagged,
            )
        if self.dropped:
            out.add(
                "safety.dropped",
                "info",
                self.name,
                f"{self.dropped} records were dropped as inappropriate content",
                self.dropped,
                examples=self.ex_dropped,
            )
        return out
