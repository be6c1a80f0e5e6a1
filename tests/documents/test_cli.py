"""The document commands: an exported folder (card + Croissant + shards) that standard tools accept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.documents.conftest import Built
from typer.testing import CliRunner

from dataharbor.cli import app
from dataharbor.documents import croissant
from dataharbor.harbor import Harbor


@pytest.mark.slow  # ~5 s: five CLI round trips over one built platform
def test_document_commands(built: Built, harbor: Harbor, tmp_path: Path) -> None:
    runner = CliRunner()
    home = ["--home", str(harbor.settings.resolved_home)]

    def dh(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, [*home, *args], env={"DATAHARBOR_EXECUTOR": "inline"})
        return res.exit_code, res.output

    out = tmp_path / "export"
    code, _ = dh("card", built.open_ref, "--out", str(out), "--with-data")
    assert code == 0 and (out / "README.md").read_text().startswith("---\n")
    code, _ = dh("croissant", f"{built.open_ref}@v1", "--out", str(out), "--url", "https://example.org/acme/open")
    assert code == 0 and json.loads((out / "croissant.json").read_text())["url"] == "https://example.org/acme/open"
    assert len(list((out / "data").glob("records-*.parquet"))) == 1
    assert croissant.validate(out / "croissant.json")[0] == []
    code, text = dh("datasheet", built.private_ref)
    assert code == 0 and "## Maintenance" in text
    code, _ = dh("card", built.private_ref, "--out", str(tmp_path / "p"), "--with-data")
    assert code != 0  # sealed shards are never copied out
    code, _ = dh("card", built.open_ref, "--with-data")
    assert code != 0  # --with-data needs --out
    code, text = dh("ai-act-summary", f"{built.open_ref}@v1", f"{built.private_ref}@v1", "--format", "json",
                    "--provider", "Example AI")  # fmt: skip
    assert code == 0 and json.loads(text)["general_information"]["provider"]["name"] == "Example AI"
    summary = tmp_path / "summary.md"
    res = runner.invoke(app, [*home, "ai-act-summary", f"{built.open_ref}@v1", "--output", str(summary)])
    assert res.exit_code == 0 and res.stdout == ""  # the document goes to the file, the note to stderr
    assert summary.read_text(encoding="utf-8").startswith("# Public Summary of Training Content")
    code, text = dh("ai-act-summary", built.open_ref)
    assert code != 0  # the version must be named
    code, _ = dh("ai-act-summary", f"{built.open_ref}@v1", "--format", "pdf")
    assert code != 0
