"""A partner's whole story from the command line: private dataset, grant, reads allowed and denied, usage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dataharbor.access.errors import Forbidden
from dataharbor.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "bundle"
runner = CliRunner()


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = str(home)

    def run(self, *args: str, token: str | None = None) -> Any:
        extra = ["--token", token] if token else []
        result = runner.invoke(app, ["--home", self.home, *args, *extra], env={"DATAHARBOR_EXECUTOR": "inline"})
        return result

    def json(self, *args: str, token: str | None = None) -> Any:
        result = self.run(*args, "--json", token=token)
        assert result.exit_code == 0, (result.output, result.exception)
        return json.loads(result.output)

    def denied(self, *args: str, token: str) -> str:
        result = self.run(*args, token=token)
        assert isinstance(result.exception, Forbidden), (result.output, result.exception)
        return result.exception.reason


@pytest.mark.slow
def test_grant_read_deny_revoke_and_usage(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "h")
    assert cli.run("init").exit_code == 0
    cli.json("partner", "add", "acme")
    # the operator registers the partner's admin and a training team's service account
    cli.json("principal", "add", "ann", "--role", "partner_admin", "--partner", "acme")
    cli.json("principal", "add", "tina", "--role", "trainer", "--team", "ml", "--kind", "service")
    ann = cli.json("token", "create", "ann", "--scope", "write")["token"]
    tina = cli.json("token", "create", "tina", "--scope", "write")["token"]
    # the partner's private dataset, processed into a version
    cli.json(
        "dataset", "create", "acme/letters", "--tier", "private", "--license", "LicenseRef-acme",
        "--purpose", "training", "--purpose", "evaluation",
    )  # fmt: skip
    up = cli.json("upload", "acme/letters", str(SAMPLES / "letters"), "--wait", "--profile", "minimal")
    assert up["version"] == 1
    # audited when processed, but served for training only once a curator approves it (here: the operator)
    approved_v1 = cli.json("review", "approve", "acme/letters@v1", "--comment", "letters checked", "--override")
    assert approved_v1["state"] == "approved"

    # no grant yet: denied
    assert "no grant" in cli.denied("records", "acme/letters", "--purpose", "training", token=tina)
    # the partner grants the trainer `training` until a date
    g = cli.json(
        "grant", "add", "acme/letters", "--principal", "tina", "--purpose", "training", "--until", "2099-12-31",
        token=ann,
    )  # fmt: skip
    assert (g["state"], g["granted_by"], g["expires_at"]) == ("live", "ann", "2100-01-01T00:00:00+00:00")
    # the right purpose reads; a wrong one is refused
    rows = cli.json("records", "acme/letters", "--purpose", "training", "--limit", "3", token=tina)
    assert len(rows) == 3 and all(r["text"] for r in rows)
    assert cli.json("trace", rows[0]["id"], "--purpose", "training", token=tina)["partner"] == "acme"
    assert "is for training, not evaluation" in cli.denied(
        "records", "acme/letters", "--purpose", "evaluation", token=tina
    )
    # the partner cannot be asked for a purpose it never allowed
    assert "does not allow the purpose 'research'" in cli.denied(
        "records", "acme/letters", "--purpose", "research", token=tina
    )
    # revocation takes effect on the next read
    cli.json("grant", "revoke", str(g["id"]), "--reason", "project over", token=ann)
    assert "revoked" in cli.denied("records", "acme/letters", "--purpose", "training", token=tina)

    # the trainer asks again, for evaluation; the partner approves; the read succeeds
    req = cli.json(
        "access", "request", "acme/letters", "--purpose", "evaluation", "--reason", "benchmark",
        "--until", "2099-06-30", token=tina,
    )  # fmt: skip
    assert req["state"] == "pending"
    assert [r["id"] for r in cli.json("access", "list", "--state", "pending", token=ann)] == [req["id"]]
    approved = cli.json("access", "approve", str(req["id"]), token=ann)
    assert approved["grant"]["purpose"] == "evaluation" and approved["grant"]["state"] == "live"
    assert len(cli.json("records", "acme/letters", "--purpose", "evaluation", "--limit", "2", token=tina)) == 2
    second = cli.json("access", "request", "acme/letters", "--purpose", "training", "--reason", "more", token=tina)
    assert cli.json("access", "reject", str(second["id"]), "--reason", "not now", token=ann)["state"] == "rejected"

    # the usage report shows every read, every denial and the grants
    report = cli.json("usage", "acme", token=ann)
    reads = [(r["principal"], r["purpose"], r["records"], r["what"]) for r in report["reads"]]
    assert reads == [
        ("tina", "training", 3, "records"),
        ("tina", "training", 1, "trace"),
        ("tina", "evaluation", 2, "records"),
    ]
    assert [d["purpose"] for d in report["denied"]] == ["training", "evaluation", "research", "training"]
    assert {(x["purpose"], x["state"]) for x in report["grants"]} == {("training", "revoked"), ("evaluation", "live")}
    summary = {(x["principal"], x["purpose"]): (x["reads"], x["records"]) for x in report["summary"]}
    assert summary == {("tina", "training"): (2, 4), ("tina", "evaluation"): (1, 2)}

    # the trainer sees neither the usage report nor the log; the chain verifies
    assert "no rule allows usage.read" in cli.denied("usage", "acme", token=tina)
    assert cli.json("auditlog", "verify")["ok"] is True
    events = cli.json("auditlog", "list", "--action", "data.read", "--denied")
    assert len(events) == 4 and all(e["principal"] == "tina" for e in events)


@pytest.mark.slow
def test_errors_from_the_real_entry_point(tmp_path: Path) -> None:
    home = str(tmp_path / "h")

    def dh(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "dataharbor", "--home", home, *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)

    assert dh("init").returncode == 0
    bad = dh("usage", "acme", "--token", "dh_1_nope")
    assert (bad.returncode, bad.stderr.strip()) == (6, "error: unauthorized: the token was not accepted")
    assert dh("principal", "add", "tina", "--role", "trainer").returncode == 0
    tok = json.loads(dh("token", "create", "tina", "--scope", "write", "--json").stdout)["token"]
    denied = dh("auditlog", "list", "--token", tok)
    assert denied.returncode == 7 and "forbidden: auditlog.read" in denied.stderr
