"""How a command reaches the platform: settings from the environment, `--home` from the root options."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from dataharbor.config import Settings
from dataharbor.harbor import Harbor


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
