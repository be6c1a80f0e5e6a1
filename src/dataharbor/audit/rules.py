"""Audit rules (defaults shipped in `rules.yaml`, overridable by a file), findings and the verdict."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from dataharbor.errors import InvalidInput

Severity = Literal["info", "warning", "error"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")
VERDICTS = ("pass", "needs_review", "fail")


@dataclass(slots=True)
class Finding:
    """One thing the audit found. `examples` hold record ids (and, for open datasets only, short excerpts)."""

    code: str
    severity: Severity
    section: str
    message: str
    value: float | int | str | None = None
    threshold: float | int | str | None = None
    examples: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "section": self.section,
            "message": self.message,
            "value": self.value,
            "threshold": self.threshold,
            "examples": self.examples,
        }


def verdict(findings: list[Finding] | list[dict[str, Any]]) -> str:
    """Any error fails; any warning needs a curator's review; otherwise the version passes."""
    levels = {f.severity if isinstance(f, Finding) else f["severity"] for f in findings}
    if "error" in levels:
        return "fail"
    if "warning" in levels:
        return "needs_review"
    return "pass"


def default_rules() -> dict[str, Any]:
    text = resources.files("dataharbor.audit").joinpath("rules.yaml").read_text(encoding="utf-8")
    loaded = yaml.safe_load(text)
    assert isinstance(loaded, dict)
    return loaded


def load_rules(path: Path | None = None) -> dict[str, Any]:
    """The default rules, with the sections and keys of `path` (YAML or JSON) laid over them."""
    rules = default_rules()
    if path is None:
        return rules
    try:
        custom = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidInput(f"Cannot read audit rules '{path}': {exc}", path=str(path)) from exc
    if not isinstance(custom, dict):
        raise InvalidInput(f"Audit rules '{path}' must be a mapping of sections", path=str(path))
    for section, values in custom.items():
        if section not in rules:
            raise InvalidInput(
                f"Audit rules '{path}': unknown section '{section}' (known: {', '.join(sorted(rules))})",
                path=str(path),
            )
        if not isinstance(values, dict):
            raise InvalidInput(f"Audit rules '{path}': section '{section}' must be a mapping", path=str(path))
        unknown = sorted(set(values) - set(rules[section]))
        if unknown:
            raise InvalidInput(
                f"Audit rules '{path}': unknown keys {unknown} in section '{section}'"
                f" (known: {', '.join(sorted(rules[section]))})",
                path=str(path),
            )
        rules[section] = {**rules[section], **values}
    return rules


def rules_hash(rules: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(rules, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
