"""The command line: happy paths through CliRunner, errors and exit codes through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dataharbor.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "bundle"
runner = CliRunner()


def _ok(home: Path, *args: str) -> str:
    result = runner.invoke(app, ["--home", str(home), *args], env={"DATAHARBOR_EXECUTOR": "inline"})
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def _json(home: Path, *args: str) -> object:
    return json.loads(_ok(home, *args, "--json"))


def test_full_flow_with_json_output(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert "ready" in _ok(home, "init")
    assert _json(home, "partner", "add", "acme", "--jurisdiction", "FR")["name"] == "acme"  # type: ignore[index]
    ds = _json(
        home,
        "dataset",
        "create",
        "acme/docs",
        "--tier",
        "private",
        "--license",
        "LicenseRef-acme",
        "--purpose",
        "research",
        "--languages",
        "en,fr",
        "--pii-policy",
        "drop",
    )
    assert ds["tier"] == "private" and ds["purposes"] == ["research"]  # type: ignore[index]
    up = _json(
        home,
        "upload",
        "acme/docs",
        str(SAMPLES / "reports"),
        str(SAMPLES / "letters"),
        "--wait",
        "--profile",
        "minimal",
    )
    assert up["version"] == 1 and up["files"] == 4  # type: ignore[index]
    assert [p["name"] for p in _json(home, "partner", "list")] == ["acme"]  # type: ignore[union-attr,index]
    listed = _json(home, "dataset", "list")
    assert listed[0]["latest_version"] == 1  # type: ignore[index]
    shown = _json(home, "dataset", "show", "acme/docs")
    assert shown["versions"][0]["state"] == "audited"  # type: ignore[index]
    versions = _json(home, "versions", "acme/docs")
    assert len(versions[0]["integrity_root"]) == 64  # type: ignore[index]
    recs = _json(home, "records", "acme/docs@v1", "--limit", "3")
    assert len(recs) == 3  # type: ignore[arg-type]
    dropped = _json(home, "records", "acme/docs", "--dropped")
    assert all(d["drop_reason"] for d in dropped)  # type: ignore[union-attr,index]
    traced = _json(home, "trace", recs[0]["id"])  # type: ignore[index]
    assert traced["partner"] == "acme" and traced["file"]["sha256"]  # type: ignore[index]
    jobs = _json(home, "jobs")
    assert jobs[0]["state"] == "succeeded"  # type: ignore[index]
    job = _json(home, "jobs", "1")
    assert {f["status"] for f in job["files"]} == {"ok"}  # type: ignore[index]
    profiles = _json(home, "profiles")
    assert "default" in {p["name"] for p in profiles}  # type: ignore[union-attr,index]
    # tables for people
    assert "acme/docs" in _ok(home, "dataset", "list")
    assert "Files" in _ok(home, "jobs", "1")


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dataharbor", "--home", str(home), *args], capture_output=True, text=True, timeout=120
    )


def test_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    home = tmp_path / "h"
    r = _cli(home, "partner", "list")
    assert r.returncode == 3 and "run `dataharbor init` first" in r.stderr
    assert _cli(home, "init").returncode == 0
    r = _cli(home, "dataset", "show", "nobody/nothing")
    assert r.returncode == 4 and "not found" in r.stderr and "Traceback" not in r.stderr
    assert _cli(home, "partner", "add", "acme").returncode == 0
    r = _cli(home, "partner", "add", "acme")
    assert r.returncode == 5 and "already exists" in r.stderr
    r = _cli(home, "dataset", "create", "acme/x", "--tier", "open", "--license", "CC-BY-NC-4.0")
    assert r.returncode == 2 and "not an open licence" in r.stderr
    r = _cli(home, "upload", "acme/x", str(tmp_path / "missing"))
    assert r.returncode == 4 and "Dataset 'acme/x' not found" in r.stderr  # its creation was refused above
    assert _cli(home, "dataset", "create", "acme/x", "--tier", "private", "--license", "CC-BY-NC-4.0").returncode == 0
    r = _cli(home, "upload", "acme/x", str(tmp_path / "missing"))
    assert r.returncode == 2 and "does not exist" in r.stderr


@pytest.mark.slow
def test_upload_without_wait_is_processed_by_the_background_worker(tmp_path: Path) -> None:
    import time

    home = tmp_path / "h"
    for args in (
        ("init",),
        ("partner", "add", "acme"),
        ("dataset", "create", "acme/d", "--tier", "open", "--license", "CC0-1.0"),
    ):
        assert _cli(home, *args).returncode == 0
    r = _cli(home, "upload", "acme/d", str(SAMPLES / "reports"), "--profile", "minimal")
    assert r.returncode == 0, r.stderr
    deadline = time.time() + 90
    state = ""
    while time.time() < deadline:
        state = json.loads(_cli(home, "jobs", "1", "--json").stdout)["state"]
        if state in ("succeeded", "failed"):
            break
        time.sleep(1)
    assert state == "succeeded", (home / "logs" / "worker.log").read_text()
