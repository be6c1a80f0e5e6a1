"""Errors: failed files, file issues, truncation, mojibake repaired, (near-)empty extractions, low OCR/ASR
confidence, languages the dataset does not declare, exact and near duplicates (within the job or the platform)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from dataharbor.audit.rules import Severity
from dataharbor.audit.section import AuditContext, FileInfo, Section, SectionResult, ann, pct, share
from dataharbor.domain.enums import FileStatus
from dataharbor.domain.record import Record

_DUPLICATE_REASONS = ("exact_duplicate", "near_duplicate")


class Errors(Section):
    name = "errors"

    def __init__(self, ctx: AuditContext) -> None:
        super().__init__(ctx)
        self.records = 0
        self.mojibake = 0
        self.near_empty = 0
        self.low_confidence: Counter[str] = Counter()
        self.confidence_seen: Counter[str] = Counter()
        self.mismatch: Counter[str] = Counter()  # language -> records (undeclared), kept or dropped
        self.duplicates: Counter[str] = Counter()  # "exact_duplicate:job" -> n
        self.min_chars = int(self.rules["near_empty_chars"])
        self.ex_empty = ctx.examples()
        self.ex_conf = ctx.examples()
        self.ex_lang = ctx.examples()
        self.ex_dup = ctx.examples()
        self.ex_moji = ctx.examples()

    def observe(self, record: Record, kept: bool) -> None:
        self.records += 1
        if ann(record, "normalize").get("mojibake_fixed"):
            self.mojibake += 1
            self.ex_moji.add(self.ctx.example(record, text=False))
        if near_empty(record.text, self.min_chars):
            self.near_empty += 1
            self.ex_empty.add(self.ctx.example(record))
        conf = ann(record, "confidence")
        if conf:
            kind = str(conf.get("kind", "?"))
            self.confidence_seen[kind] += 1
            if conf.get("low"):
                self.low_confidence[kind] += 1
                self.ex_conf.add(self.ctx.example(record))
        if ann(record, "language").get("declared") is False:
            self.mismatch[str(ann(record, "language").get("lang", "und"))] += 1
            self.ex_lang.add(self.ctx.example(record))
        if not kept and record.drop_reason in _DUPLICATE_REASONS:
            scope = str(ann(record, "dedup").get("scope", "job"))
            self.duplicates[f"{record.drop_reason}:{scope}"] += 1
            self.ex_dup.add(self.ctx.example(record, text=False) | {"duplicate_of": _dup_of(record)})

    def finish(self) -> SectionResult:
        files = self.ctx.files
        failed = [f for f in files if f.status == FileStatus.FAILED.value]
        empty = [f for f in files if f.status == FileStatus.OK.value and f.records == 0]
        issues = [(f, i) for f in files for i in f.issues]
        truncated = [f.name for f in failed if "truncat" in f.error.lower()]
        truncated += [f.name for f, i in issues if "truncat" in str(i.get("reason", "")).lower()]
        reasons = Counter(_reason(f.error) for f in failed)
        dup_total = sum(self.duplicates.values())
        summary = {
            "files": len(files),
            "files_by_status": dict(Counter(f.status for f in files)),
            "failed_files": [{"file": f.name, "type": f.detected_type, "error": self._error(f)} for f in failed[:100]],
            "failed_by_reason": dict(reasons.most_common()),
            "file_issues": [
                {"file": f.name, "location": i.get("location") or {}, "reason": str(i.get("reason", ""))}
                for f, i in issues[:100]
            ],
            "file_issue_count": len(issues),
            "truncated_files": truncated[:100],
            "empty_extractions": [f.name for f in empty[:100]],
            "records": self.records,
            "mojibake_repaired": self.mojibake,
            "near_empty_records": self.near_empty,
            "ocr_asr_records": dict(self.confidence_seen),
            "low_confidence": dict(self.low_confidence),
            "language_mismatch": dict(self.mismatch.most_common()),
            "duplicates": dict(self.duplicates.most_common()),
            "duplicate_rate": share(dup_total, self.records),
        }
        out = SectionResult(summary)
        self._file_findings(out, failed, empty, issues, truncated, reasons)
        self._record_findings(out, dup_total)
        return out

    def _error(self, f: FileInfo) -> str:
        # an extractor's detail may quote the file's content: a private dataset's report keeps only the reason
        return _reason(f.error) if self.ctx.private else f.error[:300]

    def _file_findings(
        self,
        out: SectionResult,
        failed: list[FileInfo],
        empty: list[FileInfo],
        issues: list[tuple[FileInfo, dict[str, Any]]],
        truncated: list[str],
        reasons: Counter[str],
    ) -> None:
        files = len(self.ctx.files)
        if failed:
            failed_share = share(len(failed), files)
            limit = float(self.rules["failed_files_error_share"])
            severity: Severity = (
                "error"
                if failed_share > limit
                else ("warning" if len(failed) >= int(self.rules["failed_files_warn"]) else "info")
            )
            out.add(
                "errors.failed_files",
                severity,
                self.name,
                f"{len(failed)} of {files} files could not be read ("
                + ", ".join(f"{r} {n}" for r, n in reasons.most_common(5))
                + ")",
                len(failed),
                int(self.rules["failed_files_warn"]),
                [{"file": f.name, "error": self._error(f)} for f in failed[: self.ctx.examples().limit]],
            )
        if issues:
            out.add(
                "errors.file_issues",
                "info",
                self.name,
                f"{len(issues)} parts of files (archive members, lines) failed while the rest was read",
                len(issues),
            )
        if truncated:
            out.add(
                "errors.truncated_files",
                "warning",
                self.name,
                f"{len(truncated)} files or parts of files were truncated",
                len(truncated),
                examples=[{"file": name} for name in truncated[:5]],
            )
        if empty:
            out.add(
                "errors.empty_extraction",
                "warning",
                self.name,
                f"{len(empty)} files were read but gave no text",
                len(empty),
                examples=[{"file": f.name} for f in empty[:5]],
            )

    def _record_findings(self, out: SectionResult, dup_total: int) -> None:
        n = self.records
        if self.mojibake:
            out.add(
                "errors.mojibake_repaired",
                "info",
                self.name,
                f"Broken encoding (mojibake) was repaired in {self.mojibake} records",
                self.mojibake,
                examples=self.ex_moji,
            )
        if self.near_empty:
            s, limit = share(self.near_empty, n), float(self.rules["near_empty_warn_share"])
            out.add(
                "errors.near_empty",
                "warning" if s > limit else "info",
                self.name,
                f"{self.near_empty} records ({pct(s)}) hold fewer than {self.min_chars} characters",
                s,
                limit,
                self.ex_empty,
            )
        low = sum(self.low_confidence.values())
        if low:
            s = share(low, sum(self.confidence_seen.values()))
            limit = float(self.rules["low_confidence_warn_share"])
            kinds = ", ".join(f"{k.upper()} {v}" for k, v in self.low_confidence.items())
            out.add(
                "errors.low_confidence",
                "warning" if s > limit else "info",
                self.name,
                f"{low} records read by OCR/speech recognition have low confidence ({kinds})",
                s,
                limit,
                self.ex_conf,
            )
        mismatched = sum(self.mismatch.values())
        if mismatched:
            s, limit = share(mismatched, n), float(self.rules["language_mismatch_warn_share"])
            langs = ", ".join(f"{k} {v}" for k, v in self.mismatch.most_common(5))
            out.add(
                "errors.language_mismatch",
                "warning" if s > limit else "info",
                self.name,
                f"{mismatched} records ({pct(s)}) are in languages the dataset does not declare ({langs});"
                f" declared: {', '.join(self.ctx.languages) or 'none'}",
                s,
                limit,
                self.ex_lang,
            )
        if dup_total:
            s, limit = share(dup_total, n), float(self.rules["duplicate_warn_share"])
            kinds = ", ".join(f"{k.replace(':', ' within ')} {v}" for k, v in self.duplicates.most_common())
            out.add(
                "errors.duplicates",
                "warning" if s > limit else "info",
                self.name,
                f"{dup_total} records ({pct(s)}) were dropped as duplicates ({kinds})",
                s,
                limit,
                self.ex_dup,
            )


def near_empty(text: str, min_chars: int) -> bool:
    """Fewer than `min_chars` characters besides whitespace. A prefix holding that many settles it: a long record
    is not split and joined whole (most of this section's cost, before)."""
    if len(text) < min_chars:
        return True
    head = text[: 2 * min_chars]
    if len("".join(head.split())) >= min_chars:
        return False
    return len("".join(text.split())) < min_chars


def _reason(error: str) -> str:
    head = error.split(":", 1)[0].strip()
    return head if head and " " not in head else "other"


def _dup_of(record: Record) -> str:
    return str(ann(record, "dedup").get("duplicate_of", ""))
