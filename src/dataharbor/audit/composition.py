"""Composition: records, words, tokens (tiktoken) and bytes by modality, language, file type and contribution."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from dataharbor.audit.section import AuditContext, Section, SectionResult, ann
from dataharbor.audit.stream import LENGTH_EDGES, Histogram
from dataharbor.audit.tokens import encoding
from dataharbor.domain.record import Record


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
        # one text at a time on this thread: cheaper in CPU-seconds than tiktoken's threaded batches (tokens.py);
        # the encoding is loaded by the first kept record, as before (a version that keeps none needs none)
        self._encode: Callable[[str], list[int]] | None = None

    def observe(self, record: Record, kept: bool) -> None:
        if not kept:
            return
        if self._encode is None:
            self._encode = encoding(self.encoding).encode_ordinary
        text = record.text
        keys = (
            record.modality,
            str(ann(record, "language").get("lang", "und")),
            self.types.get(record.provenance.file_id, "unknown"),
            str(record.provenance.contribution_id),
        )
        words, size, tokens = len(text.split()), len(text.encode("utf-8", "replace")), len(self._encode(text))
        self.totals.update(records=1, words=words, bytes=size, chars=len(text), tokens=tokens)
        for by, key in zip(self.by.values(), keys, strict=True):
            by["records"][key] += 1
            by["words"][key] += words
            by["tokens"][key] += tokens
            by["bytes"][key] += size
        self.chars.add(len(text))
        self.tokens.add(tokens)

    def finish(self) -> SectionResult:
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
