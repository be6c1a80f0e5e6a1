"""Composition: records, words, tokens (tiktoken) and bytes by modality, language, file type and contribution."""

from __future__ import annotations

from collections import Counter
from typing import Any

from dataharbor.audit.section import AuditContext, Section, SectionResult, ann
from dataharbor.audit.stream import LENGTH_EDGES, Histogram
from dataharbor.audit.tokens import count_tokens
from dataharbor.domain.record import Record

_TOKEN_BATCH = 512  # texts handed to tiktoken at once (it encodes a batch on several threads)


class Composition(Section):
    """Kept records only: what a trainer receives."""

    name = "composition"

    def __init__(self, ctx: AuditContext) -> None:
        super().__init__(ctx)
        self.encoding = str(self.rules["encoding"])
        self.types = {f.id: f.detected_type or "unknown" for f in ctx.files}
        self.totals: Counter[str] = Counter()
        self.by: dict[str, dict[str, Counter[str]]] = {
            k: {"records": Counter(), "words": Counter(), "tokens": Counter(), "bytes": Counter()}
            for k in ("modality", "language", "file_type", "contribution")
        }
        self.chars = Histogram(LENGTH_EDGES)
        self.tokens = Histogram(LENGTH_EDGES)
        self._pending: list[tuple[str, list[str]]] = []

    def observe(self, record: Record, kept: bool) -> None:
        if not kept:
            return
        keys = {
            "modality": record.modality,
            "language": str(ann(record, "language").get("lang", "und")),
            "file_type": self.types.get(record.provenance.file_id, "unknown"),
            "contribution": str(record.provenance.contribution_id),
        }
        words, size = len(record.text.split()), len(record.text.encode("utf-8", "replace"))
        self.totals.update(records=1, words=words, bytes=size, chars=len(record.text))
        for dim, key in keys.items():
            self.by[dim]["records"][key] += 1
            self.by[dim]["words"][key] += words
            self.by[dim]["bytes"][key] += size
        self.chars.add(len(record.text))
        self._pending.append((record.text, list(keys.values())))
        if len(self._pending) >= _TOKEN_BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        counts = count_tokens([t for t, _ in self._pending], self.encoding)
        for (_, keys), n in zip(self._pending, counts, strict=True):
            self.totals["tokens"] += n
            self.tokens.add(n)
            for dim, key in zip(self.by, keys, strict=True):
                self.by[dim]["tokens"][key] += n
        self._pending = []

    def finish(self) -> SectionResult:
        self._flush()
        breakdown: dict[str, list[dict[str, Any]]] = {}
        for dim, measures in self.by.items():
            rows = [
                {"key": key, **{m: measures[m][key] for m in ("records", "words", "tokens", "bytes")}}
                for key, _ in measures["records"].most_common()
            ]
            breakdown[dim] = rows
        summary = {
            "records": self.totals["records"],
            "words": self.totals["words"],
            "tokens": self.totals["tokens"],
            "bytes": self.totals["bytes"],
            "characters": self.totals["chars"],
            "tokenizer": f"tiktoken {self.encoding}",
            "by": breakdown,
            "length_chars": self.chars.to_dict(),
            "length_tokens": self.tokens.to_dict(),
        }
        out = SectionResult(summary)
        minimum = int(self.rules["min_records"])
        if self.totals["records"] < minimum:
            out.add(
                "composition.too_few_records",
                "error",
                self.name,
                f"The version keeps {self.totals['records']} records; at least {minimum} are needed",
                self.totals["records"],
                minimum,
            )
        declared = set(self.ctx.languages)
        found = [r["key"] for r in breakdown["language"] if r["key"] != "und"]
        if not found and self.totals["records"]:
            out.add("composition.language_unknown", "info", self.name, "No record's language could be identified")
        elif declared and found and found[0] not in declared:
            out.add(
                "composition.main_language_undeclared",
                "warning",
                self.name,
                f"The most common language is '{found[0]}', which the dataset does not declare"
                f" (declared: {', '.join(sorted(declared))})",
                found[0],
                ", ".join(sorted(declared)),
            )
        return out
