"""The remaining commands go through the policy; `trace` reveals nothing before it; withdrawal from the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from dataharbor.access.errors import Forbidden
from dataharbor.access.withdrawal import Gone
from dataharbor.cli import app
from dataharbor.errors import Conflict, NotFound

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "bundle"
runner = CliRunner()


class Cli:
    def __init__(self, home: Path) -> None:
        self.home = str(home)

    def run(self, *args: str, token: str | None = None) -> Any:
        extra = ["--token", token] if token else []
        return runner.invoke(app, ["--home", self.home, *args, *extra], env={"DATAHARBOR_EXECUTOR": "inline"})

    def json(self, *args: str, token: str | None = None) -> Any:
        result = self.run(*args, "--json", token=token)
        assert result.exit_code == 0, (result.output, result.exception)
        return json.loads(result.output)

    def fails(self, error: type[Exception], *args: str, token: str | None = None) -> Any:
        result = self.run(*args, token=token)
        assert isinstance(result.exception, error), (result.output, result.exception)
        return result.exception


@pytest.mark.slow
def test_gated_commands_trace_without_leak_and_withdrawal_from_the_cli(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "h")
    assert cli.run("init").exit_code == 0
    cli.json("partner", "add", "acme")
    cli.json("partner", "add", "other")
    for name, role, partner in [("ann", "partner_admin", "acme"), ("mel", "partner_member", "acme"),
                                ("olga", "partner_admin", "other")]:  # fmt: skip
        cli.json("principal", "add", name, "--role", role, "--partner", partner)
    cli.json("principal", "add", "tina", "--role", "trainer")
    tok = {n: cli.json("token", "create", n, "--scope", "write")["token"] for n in ("ann", "mel", "olga", "tina")}
    create = ("dataset", "create", "acme/letters", "--tier", "private", "--license", "LicenseRef-acme")

    # dataset create: the owner's admin only
    assert "no rule allows dataset.create" in cli.fails(Forbidden, *create, token=tok["tina"]).reason
    cli.fails(Forbidden, *create, token=tok["olga"])
    cli.fails(Forbidden, *create, token=tok["mel"])
    assert cli.json(*create, token=tok["ann"])["tier"] == "private"
    # upload: the partner's admins and members; run-job likewise
    letters = str(SAMPLES / "letters")
    cli.fails(Forbidden, "upload", "acme/letters", letters, token=tok["tina"])
    up = cli.json("upload", "acme/letters", letters, "--wait", "--profile", "minimal", token=tok["mel"])
    assert up["version"] == 1
    cli.fails(Forbidden, "run-job", str(up["job"]), token=tok["olga"])
    cli.fails(Conflict, "run-job", str(up["job"]), token=tok["ann"])  # allowed, and already done
    # metadata: any authenticated principal sees a private dataset's (to ask for access)
    assert [v["version"] for v in cli.json("versions", "acme/letters", token=tok["tina"])] == [1]
    assert cli.json("dataset", "show", "acme/letters", token=tok["tina"])["ref"] == "acme/letters"
    assert [d["ref"] for d in cli.json("dataset", "list", token=tok["olga"])] == ["acme/letters"]

    # trace: no grant answers the same for a record that exists and one that does not
    rid = cli.json("records", "acme/letters", "--limit", "1", token=tok["ann"])[0]["id"]
    missing = rid.split("-")[0] + "-" + "0" * 20
    real = cli.fails(Forbidden, "trace", rid, "--purpose", "training", token=tok["tina"]).reason
    fake = cli.fails(Forbidden, "trace", missing, "--purpose", "training", token=tok["tina"]).reason
    assert real == fake  # "version v1 is audited, not released": nothing about the record
    assert cli.json("trace", rid, token=tok["ann"])["record_id"] == rid
    cli.fails(NotFound, "trace", missing, token=tok["ann"])

    # every denial above is in the log
    denied = cli.json("auditlog", "list", "--denied")
    got = {(e["principal"], e["action"]) for e in denied}
    assert {("tina", "dataset.create"), ("olga", "dataset.create"), ("mel", "dataset.create")} <= got
    assert {("tina", "data.upload"), ("olga", "data.upload"), ("tina", "data.read")} <= got
    allowed = cli.json("auditlog", "list", "--action", "dataset.create")
    assert [(e["principal"], e["allowed"]) for e in allowed][-1] == ("ann", True)

    # withdrawal: refused to the trainer, done by the partner's admin, receipts readable, v1 answers Gone
    withdraw = ("withdraw", "acme/letters", "--contribution", str(up["contribution"]), "--reason", "consent ended")
    cli.fails(Forbidden, *withdraw, token=tok["tina"])
    receipt = cli.json(*withdraw, token=tok["ann"])
    assert receipt["state"] == "done" and receipt["new_version"] is None  # the only contribution
    assert receipt["keys_destroyed"] == [f"d1-c{up['contribution']}"] and receipt["raw_files"]
    ref = receipt["reference"]
    assert cli.json("withdrawal", "show", ref, token=tok["ann"])["receipt_hash"] == receipt["receipt_hash"]
    assert [w["reference"] for w in cli.json("withdrawal", "list", "acme/letters", token=tok["ann"])] == [ref]
    cli.fails(Forbidden, "withdrawal", "show", ref, token=tok["mel"])
    gone = cli.run("records", "acme/letters@v1", token=tok["ann"])
    assert isinstance(gone.exception, Gone) and gone.exception.exit_code == 8 and ref in str(gone.exception)
    v1 = cli.json("versions", "acme/letters")[0]
    assert (v1["state"], v1["withdrawal"]) == ("withdrawn", ref)
    # a withdrawn contribution's job is not run again; the human-readable receipt prints
    cli.fails(Gone, "run-job", str(up["job"]))
    shown = cli.run("withdrawal", "show", ref)
    assert shown.exit_code == 0 and ref in shown.output and "Raw files deleted" in shown.output
