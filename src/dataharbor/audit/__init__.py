"""Audits of dataset versions, the review gate, and audit reports (HTML, JSON, Markdown).

Public API: `audit_version`, `review_version`, `read_report`, `report_dict`, `audit_after_job` (service),
`load_rules` / `default_rules` (rules), `render` (report).
"""

from __future__ import annotations

from dataharbor.audit.report import FORMATS, render
from dataharbor.audit.rules import Finding, default_rules, load_rules, rules_hash, verdict
from dataharbor.audit.service import (
    audit_after_job,
    audit_version,
    latest_report,
    read_report,
    report_dict,
    review_version,
    rules_for,
)

__all__ = [
    "FORMATS",
    "Finding",
    "audit_after_job",
    "audit_version",
    "default_rules",
    "latest_report",
    "load_rules",
    "read_report",
    "render",
    "report_dict",
    "review_version",
    "rules_for",
    "rules_hash",
    "verdict",
]
