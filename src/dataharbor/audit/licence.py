"""Licence and consent: the open tier needs an open licence, redistribution and redacted personal data; every
dataset needs purposes, a retention period and a lawful basis; conflicts between the terms are findings."""

from __future__ import annotations

from dataharbor.audit.section import Section, SectionResult
from dataharbor.domain.enums import PiiPolicy, Purpose
from dataharbor.domain.licenses import OPEN_LICENSES, license_problem
from dataharbor.domain.record import Record


class Licence(Section):
    name = "licence"

    def observe(self, record: Record, kept: bool) -> None:
        return None  # judged on the dataset's terms, not its records

    def finish(self) -> SectionResult:
        c = self.ctx
        out = SectionResult(
            {
                "tier": c.tier,
                "license": c.license,
                "open_license": c.license in OPEN_LICENSES,
                "purposes": c.purposes,
                "retention_days": c.retention_days,
                "redistribution": c.redistribution,
                "pii_policy": c.pii_policy,
                "consent": c.consent,
                "pii_stage": "pii" in c.stages,
            }
        )
        problem = license_problem(c.license, c.tier)
        if problem:
            out.add("licence.invalid", "error", self.name, problem.capitalize(), c.license)
        if not c.private:
            if not c.redistribution:
                out.add(
                    "licence.open_not_redistributable",
                    "error",
                    self.name,
                    "The dataset is open but its terms forbid redistribution",
                    "redistribution: false",
                )
            if c.pii_policy == PiiPolicy.KEEP_PRIVATE_ONLY.value or "pii" not in c.stages:
                out.add(
                    "licence.open_without_pii_redaction",
                    "error",
                    self.name,
                    "The open tier requires personal data to be redacted or dropped, but "
                    + (
                        "the pipeline profile has no pii stage"
                        if "pii" not in c.stages
                        else f"the PII policy is '{c.pii_policy}'"
                    ),
                    c.pii_policy,
                )
        if not c.purposes:
            out.add("consent.no_purposes", "error", self.name, "The dataset's terms allow no purpose of use")
        elif Purpose.TRAINING.value not in c.purposes and Purpose.FINE_TUNING.value not in c.purposes:
            out.add(
                "consent.no_training_purpose",
                "warning",
                self.name,
                f"The terms allow {', '.join(c.purposes)} but neither training nor fine-tuning",
                ", ".join(c.purposes),
            )
        if c.retention_days is None and self.rules.get("require_retention", True) and c.private:
            out.add("consent.no_retention", "warning", self.name, "No retention period is set for this private dataset")
        if not c.consent.strip() and self.rules.get("require_consent", True):
            out.add(
                "consent.no_basis",
                "warning",
                self.name,
                "No lawful basis or consent evidence is recorded for this dataset",
            )
        return out
