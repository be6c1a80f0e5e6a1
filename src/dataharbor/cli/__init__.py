"""The `dataharbor` command line. Thin: every command calls a service and renders the result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from dataharbor import __version__
from dataharbor.cli import (
    audit_cmds,
    auditlog_cmds,
    catalog_cmds,
    data_cmds,
    demo,
    document_cmds,
    grant_cmds,
    keys_cmds,
    principal_cmds,
    withdraw_cmds,
)
from dataharbor.cli.render import err_console
from dataharbor.errors import HarborError

app = typer.Typer(
    name="dataharbor",
    help="DataHarbor: turn partners' contributions into audited, traceable, training-ready datasets.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"dataharbor {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(help="Platform home (catalog + store); overrides DATAHARBOR_HOME.", show_default=False),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = {"home": home}


catalog_cmds.register(app)
data_cmds.register(app)
demo.register(app)
principal_cmds.register(app)
grant_cmds.register(app)
auditlog_cmds.register(app)
keys_cmds.register(app)
audit_cmds.register(app)
document_cmds.register(app)
withdraw_cmds.register(app)


def main() -> None:
    """Entry point: errors become one clear line on stderr and a meaningful exit code."""
    try:
        app()
    except HarborError as exc:
        err_console.print(f"[red]error:[/] {exc}", soft_wrap=True)
        sys.exit(exc.exit_code)
    except ValidationError as exc:
        err_console.print(f"[red]configuration error:[/] {exc}", soft_wrap=True)
        sys.exit(3)
