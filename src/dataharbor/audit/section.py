"""What every audit section is: it observes each record once, then reports its figures and findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dataharbor.audit.rules import Finding, Severity
from dataharbor.audit.stream import Examples
from dataharbor.domain.enums import Tier
from dataharbor.domain.record import Record


@dataclass(slots=True)
class FileInfo:
    id: int
    name: str
    detected_type: str
    status: str
    error: str
    records: int
    issues: list[dict[str, Any]]
    contribution_id: int


@dataclass(slots=True)
class AuditContext:
    """What the audit knows besides the records: the dataset's terms, the version, its files, the rules."""

    dataset: str
    tier: str
    license: str
    languages: list[str]
    purposes: list[str]
    retention_days: int | None
    redistribution: bool
    pii_policy: str
    consent: str
    version: int
    stages: list[str]  # the profile's stages, in order
    run_stats: dict[str, Any]
    files: list[FileInfo]
    rules: dict[str, Any]

    @property
    def private(self) -> bool:
        return self.tier != Tier.OPEN.value

    def examples(self) -> Examples:
        return Examples(int(self.rules["examples"]["max_per_finding"]))

    def example(self, record: Record, *, text: bool = True) -> dict[str, str]:
        """A record as an example: its id; for an open dataset (and `text`) a short excerpt too.

        A private dataset's content is never copied into its report."""
        out = {"record_id": record.id}
        if text and not self.private:
            limit = int(self.rules["examples"]["excerpt_chars"])
            flat = " ".join(record.text.split())
            out["excerpt"] = flat[:limit] + ("…" if len(flat) > limit else "")
        return out


@dataclass(slots=True)
class SectionResult:
    summary: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        code: str,
        severity: Severity,
        section: str,
        message: str,
        value: float | int | str | None = None,
        threshold: float | int | str | None = None,
        examples: Examples | list[dict[str, str]] | None = None,
    ) -> None:
        items = examples.items if isinstance(examples, Examples) else list(examples or [])
        self.findings.append(Finding(code, severity, section, message, value, threshold, items))


class Section:
    """Base class: `observe` each record of the version (kept or dropped), then `finish`."""

    name = ""

    def __init__(self, ctx: AuditContext) -> None:
        self.ctx = ctx
        self.rules: dict[str, Any] = ctx.rules.get(self.name, {})

    def observe(self, record: Record, kept: bool) -> None:
        raise NotImplementedError

    def finish(self) -> SectionResult:
        raise NotImplementedError


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def ann(record: Record, stage: str) -> dict[str, Any]:
    """A stage's annotation of a record, or {} when the stage did not run on it."""
    found = record.annotations.get(stage)
    return found if isinstance(found, dict) else {}


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"
