"""Reports: a private dataset's report never holds record text; the CLI audits, reviews and renders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dataharbor.access.subjects import LOCAL_ADMIN
from dataharbor.audit import read_report, render
from dataharbor.catalog import repo
from dataharbor.cli import app
from dataharbor.harbor import Harbor

MARKER = "Zyxwqmarker"


def _planted(tmp_path: Path) -> Path:
    """Duplicates, a near-empty record and an email, each carrying the marker."""
    folder = tmp_path / "in"
    folder.mkdir()
    body = f"{MARKER} wrote to the council about the bridge; write back to jane.doe@example.org please.\n"
    for name, end in (("a.txt", ""), ("b.txt", "\n\n")):  # the same text in two different files: a duplicate
        (folder / name).write_text(body + end, encoding="utf-8")
    (folder / "c.txt").write_text(f"{MARKER} x", encoding="utf-8")
    return folder


@pytest.mark.parametrize("tier", ["private", "open"])
def test_only_open_reports_quote_text(harbor: Harbor, make_dataset, process, act_as, tmp_path: Path, tier: str) -> None:  # type: ignore[no-untyped-def]
    lic = "LicenseRef-acme" if tier == "private" else "CC0-1.0"
    ref = make_dataset(f"acme/{tier}", tier=tier, license=lic)
    process(ref, [_planted(tmp_path)])
    with act_as(LOCAL_ADMIN) as acc:
        report = read_report(acc, repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1))
    codes = {f["code"] for f in report["findings"]}
    assert {"errors.duplicates", "errors.near_empty", "pii.residual", "pii.not_scanned"} <= codes, codes
    assert all(
        ex.get("record_id", "").startswith("d") for f in report["findings"] for ex in f["examples"] if "record_id" in ex
    )
    for fmt in ("json", "md", "html"):
        text = render(report, fmt)
        assert (MARKER in text) is (tier == "open"), (tier, fmt)
    if tier == "open":  # minimal profile: PII was never redacted, which the open tier forbids
        assert {"licence.open_without_pii_redaction", "pii.residual"} <= codes
        assert report["audit"]["verdict"] == "fail"


def test_cli_audit_review_report(tmp_path: Path, harbor: Harbor, make_dataset, process) -> None:  # type: ignore[no-untyped-def]
    ref = make_dataset("acme/notes", tier="private", license="LicenseRef-acme")
    process(ref, [_planted(tmp_path)])
    runner = CliRunner()
    home = ["--home", str(harbor.settings.resolved_home)]

    def dh(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, [*home, *args], env={"DATAHARBOR_EXECUTOR": "inline"})
        return res.exit_code, res.output

    code, out = dh("audit", ref, "--json")
    assert code == 0
    audited = json.loads(out)
    assert audited["version"]["state"] == "audited" and audited["audit"]["verdict"] in ("needs_review", "fail")
    assert audited["rules"]["pii"]["residual_sample"] == 200 and len(audited["audit"]["rules_hash"]) == 64
    code, _ = dh("review", "approve", ref, "--comment", "x")  # no version named
    assert code != 0
    code, out = dh("review", "approve", f"{ref}@v1", "--comment", "pilot data, checked by hand", "--override", "--json")
    assert code == 0 and json.loads(out)["state"] == "approved"
    target = tmp_path / "report.html"
    code, _ = dh("report", ref, "--format", "html", "--output", str(target))
    assert code == 0 and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, out = dh("report", ref, "--format", "md")
    assert code == 0 and "## Findings" in out and "approve" in out
    code, out = dh("report", ref, "--format", "json")
    assert code == 0 and json.loads(out)["reviews"][0]["comment"] == "pilot data, checked by hand"
    code, _ = dh("report", ref, "--format", "pdf")
    assert code != 0
