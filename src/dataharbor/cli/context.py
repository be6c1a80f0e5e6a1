"""How a command reaches the platform: settings from the environment, `--home` from the root options, and the
principal it acts as (`--token`, or the local operator); the options every command shares."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from dataharbor.access.auditlog import AuditLog
from dataharbor.access.context import AccessContext, new_request_id
from dataharbor.access.subjects import LOCAL_ADMIN
from dataharbor.access.tokens import authenticate
from dataharbor.config import Settings
from dataharbor.harbor import Harbor

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar="DATAHARBOR_TOKEN",
        help="API token to act as (env DATAHARBOR_TOKEN); default: the local operator, as local-admin.",
        show_default=False,
    ),
]
PurposeOpt = Annotated[
    str | None,
    typer.Option(help="Declared purpose of the read: training, evaluation, fine-tuning, research (private data)."),
]


def settings_from(ctx: typer.Context) -> Settings:
    home: Path | None = (ctx.find_root().obj or {}).get("home")
    return Settings(home=home) if home else Settings()


@contextmanager
def open_harbor(ctx: typer.Context, *, create: bool = False) -> Iterator[Harbor]:
    harbor = Harbor.open(settings_from(ctx), create=create)
    try:
        yield harbor
    finally:
        harbor.close()


@contextmanager
def governed(ctx: typer.Context, token: str | None) -> Iterator[tuple[Harbor, AccessContext]]:
    """Open the platform and one unit of work, acting as the token's principal (or local-admin)."""
    with open_harbor(ctx) as h, h.catalog.session() as s:
        log = AuditLog.in_home(h.settings.resolved_home)
        request_id = new_request_id()
        actor = authenticate(s, token, log=log, request_id=request_id) if token else LOCAL_ADMIN
        yield h, AccessContext(s, actor, log, request_id)
