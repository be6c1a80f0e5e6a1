"""Docs are part of the feature: every command and every setting is documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main

from dataharbor.cli import app
from dataharbor.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def _commands(group: Any, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if hasattr(cmd, "commands"):
            out += _commands(cmd, f"{full} ")
        else:
            out.append(full)
    return out


def test_every_command_is_documented_and_has_help() -> None:
    group = typer.main.get_command(app)
    assert hasattr(group, "commands")
    doc = (REPO_ROOT / "docs" / "cli.md").read_text()
    commands = _commands(group)
    assert len(commands) >= 14
    for command in commands:
        assert f"`dataharbor {command}" in doc, f"`dataharbor {command}` is not in docs/cli.md"
    for name, cmd in group.commands.items():
        assert cmd.help or cmd.short_help, f"{name} has no --help text"


def test_every_setting_is_documented() -> None:
    doc = (REPO_ROOT / "docs" / "configuration.md").read_text()
    for field in Settings.model_fields:
        assert f"`DATAHARBOR_{field.upper()}`" in doc, f"DATAHARBOR_{field.upper()} is not documented"


def test_every_stage_and_its_parameters_are_documented() -> None:
    import inspect

    from dataharbor.pipeline.stage import registered_stages

    for name, cls in registered_stages().items():
        if name.startswith("test_"):
            continue  # stages that tests register for themselves
        page = REPO_ROOT / "docs" / "stages" / f"{'dedup' if name == 'minhash' else name}.md"
        assert page.exists(), f"stage {name} has no page in docs/stages/"
        text = page.read_text()
        params = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "context")]
        for param in params:
            assert f"`{param}`" in text or f"{param}:" in text, f"parameter {param} of {name} not in {page.name}"
