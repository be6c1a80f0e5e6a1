"""`keys …` commands: the state of the encryption keys, and master key rotation."""

from __future__ import annotations

import typer

from dataharbor.access.keys import key_status, rotate_master_key
from dataharbor.cli.context import JsonOpt, TokenOpt, governed
from dataharbor.cli.render import console, emit_json, kv

keys_app = typer.Typer(
    help="Encryption keys of private datasets: status and master key rotation.", no_args_is_help=True
)


@keys_app.command("status")
def keys_status(ctx: typer.Context, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Key provider, current master key, and how many data keys each master wraps (never key material; admins)."""
    with governed(ctx, token) as (h, acc):
        status = key_status(acc, h.store.keyring)
    if as_json:
        emit_json(status)
    else:
        kv("Keys", status)


@keys_app.command("rotate")
def keys_rotate(ctx: typer.Context, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Create a new master key, re-wrap every data key under it and destroy the old masters (data untouched; admins;
    logged)."""
    with governed(ctx, token) as (h, acc):
        out = rotate_master_key(acc, h.store.keyring)
    if as_json:
        emit_json(out)
    else:
        retired = ", ".join(out["retired"]) or "none"
        console.print(
            f"[green]Master key rotated:[/] now {out['master']}; {out['rewrapped']} data keys re-wrapped; "
            f"retired: {retired}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")
