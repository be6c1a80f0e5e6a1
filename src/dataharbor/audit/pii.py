"""Personal data: entities found by type, records redacted or dropped, and a residual-risk check that re-scans a
reservoir sample of kept records with the platform's own recognisers."""

from __future__ import annotations

import hashlib
from collections import Counter

from dataharbor.audit.rules import Severity
from dataharbor.audit.section import AuditContext, Section, SectionResult, ann, pct, share
from dataharbor.audit.stream import Reservoir
from dataharbor.domain.record import Record


class Pii(Section):
    name = "pii"

    def __init__(self, ctx: AuditContext) -> None:
        super().__init__(ctx)
        self.entities: Counter[str] = Counter()
        self.kept = 0
        self.scanned = 0
        self.with_pii = 0
        self.redacted = 0
        self.dropped = 0
        self.sample: Reservoir[tuple[str, str, str]] = Reservoir(int(self.rules["residual_sample"]), seed=ctx.version)
        # the recognisers load every pipeline stage: imported when an audit runs, not when the CLI starts
        from dataharbor.pipeline.stages._pii_types import ALL_TYPES

        self.types = frozenset(str(t) for t in self.rules["residual_types"] if str(t) in ALL_TYPES)
        self.ex_found = ctx.examples()

    def observe(self, record: Record, kept: bool) -> None:
        if not kept:
            if record.dropped_by == "pii":
                self.dropped += 1
            return
        self.kept += 1
        found = ann(record, "pii")
        if found:
            self.scanned += 1
            counts = found.get("counts") or {}
            if counts:
                self.with_pii += 1
                self.entities.update({str(k): int(v) for k, v in counts.items()})
                self.ex_found.add(self.ctx.example(record, text=False))
            if found.get("redacted"):
                self.redacted += 1
        # only the id, the language and a window of the text of a sampled record are held, for the residual
        # scan below: memory and scan time stay bounded however long the records are
        self.sample.add((record.id, str(ann(record, "language").get("lang", "")), residual_window(record)))

    def _residual(self) -> tuple[Counter[str], list[str]]:
        from dataharbor.pipeline.stages._pii_recognisers import find_cheap
        from dataharbor.pipeline.stages._pii_resolve import resolve

        kinds: Counter[str] = Counter()
        hits: list[str] = []
        threshold = float(self.rules["residual_score"])
        for rid, lang, text in self.sample.items:
            found = resolve(find_cheap(text, self.types, lang or None), threshold)
            if found:
                hits.append(rid)
                kinds.update(e.type for e in found)
        return kinds, hits

    def finish(self) -> SectionResult:
        kinds, hits = self._residual()
        sampled = len(self.sample.items)
        residual_share = share(len(hits), sampled)
        out = SectionResult(
            {
                "policy": self.ctx.pii_policy,
                "kept_records": self.kept,
                "scanned_records": self.scanned,
                "records_with_pii": self.with_pii,
                "records_redacted": self.redacted,
                "records_dropped": self.dropped,
                "entities": dict(self.entities.most_common()),
                "residual": {
                    "sampled": sampled,
                    "types_checked": sorted(self.types),
                    "records_flagged": len(hits),
                    "share": residual_share,
                    "entities": dict(kinds.most_common()),
                    "record_ids": hits[:20],
                },
            }
        )
        if self.kept and self.scanned < self.kept:
            out.add(
                "pii.not_scanned",
                "warning" if self.scanned == 0 else "info",
                self.name,
                f"{self.kept - self.scanned} of {self.kept} kept records were not scanned for personal data"
                " (the pipeline profile has no pii stage)",
                self.kept - self.scanned,
            )
        if self.with_pii or self.dropped:
            types = ", ".join(f"{k} {v}" for k, v in self.entities.most_common(8)) or "dropped records only"
            out.add(
                "pii.found",
                "info",
                self.name,
                f"Personal data was found in {self.with_pii} kept records ({types}); {self.redacted} were redacted"
                f" and {self.dropped} records dropped (policy: {self.ctx.pii_policy})",
                self.with_pii + self.dropped,
                examples=self.ex_found,
            )
            if self.with_pii and not self.redacted and not self.ctx.private:
                out.add(
                    "pii.unredacted_open",
                    "error",
                    self.name,
                    "An open dataset keeps records holding personal data without redaction",
                    self.with_pii,
                )
        if hits:
            warn = float(self.rules["residual_warn_share"])
            fail = float(self.rules["residual_error_share_open"])
            severity: Severity = (
                "error"
                if not self.ctx.private and residual_share > fail
                else ("warning" if residual_share > warn else "info")
            )
            if self.ctx.private and self.ctx.pii_policy == "keep-private-only":
                severity = "info"  # kept on purpose, within the private tier
            out.add(
                "pii.residual",
                severity,
                self.name,
                f"{len(hits)} of {sampled} sampled kept records ({pct(residual_share)}) still look like they hold"
                f" personal data ({', '.join(f'{k} {v}' for k, v in kinds.most_common())})",
                residual_share,
                fail if not self.ctx.private else warn,
                [{"record_id": rid} for rid in hits[: self.ctx.examples().limit]],
            )
        return out


RESIDUAL_WINDOW = 20_000  # characters of a sampled record re-scanned for personal data


def residual_window(record: Record, size: int = RESIDUAL_WINDOW) -> str:
    """The whole text of a short record; for a long one, a window at an offset drawn from its id (reproducible),
    cut at whitespace so no value is split at the window's edges."""
    text = record.text
    if len(text) <= size:
        return text
    offset = int(hashlib.sha256(record.id.encode()).hexdigest()[:8], 16) % (len(text) - size)
    start = text.find(" ", offset) + 1 or offset
    end = text.rfind(" ", start, start + size) if start + size < len(text) else len(text)
    return text[start : end if end > start else start + size]
