"""`principal …` and `token …`: users and service accounts, their roles, and their API tokens."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dataharbor.access.clock import as_utc, parse_until
from dataharbor.access.context import AccessContext
from dataharbor.access.principals import add_principal, list_principals, partner_name
from dataharbor.access.tokens import create_token, list_tokens, revoke_token, token_state
from dataharbor.catalog.models import Principal
from dataharbor.cli.context import JsonOpt, TokenOpt, governed
from dataharbor.cli.render import console, emit_json, table

principal_app = typer.Typer(help="Users and service accounts, their roles and teams.", no_args_is_help=True)
token_app = typer.Typer(
    help="API tokens: shown once, stored hashed, scoped, expiring, revocable.", no_args_is_help=True
)


# --- principals and tokens ---


def _principal_dict(acc: AccessContext, p: Principal) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "kind": p.kind,
        "partner": partner_name(acc.session, p.partner_id),
        "roles": p.roles,
        "team": p.team or None,
        "active": p.active,
        "created_at": as_utc(p.created_at).isoformat(),
    }


@principal_app.command("add")
def principal_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Unique name, e.g. alice@acme or trainer-bot.")],
    role: Annotated[
        list[str],
        typer.Option(help="Role (repeatable): admin, curator, partner_admin, partner_member, trainer, auditor."),
    ],
    partner: Annotated[str | None, typer.Option(help="The partner it belongs to (none: the platform).")] = None,
    team: Annotated[str, typer.Option(help="A team, so that grants can name the team.")] = "",
    kind: Annotated[str, typer.Option(help="user or service.")] = "user",
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a principal (user or service account) with its roles."""
    with governed(ctx, token) as (_, acc):
        out = _principal_dict(acc, add_principal(acc, name=name, roles=role, partner=partner, team=team, kind=kind))
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]Principal added:[/] {name} ({', '.join(out['roles'])})")


@principal_app.command("list")
def principal_list(
    ctx: typer.Context,
    partner: Annotated[str | None, typer.Option(help="Only this partner's principals.")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List principals with their partner, roles and team."""
    with governed(ctx, token) as (_, acc):
        rows = [_principal_dict(acc, p) for p in list_principals(acc, partner=partner)]
    if as_json:
        emit_json(rows)
    else:
        table(
            "Principals",
            ["name", "kind", "partner", "roles", "team", "active"],
            [
                (r["name"], r["kind"], r["partner"] or "(platform)", ",".join(r["roles"]), r["team"], r["active"])
                for r in rows
            ],
        )


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    principal: Annotated[str, typer.Argument(help="The principal the token acts as.")],
    scope: Annotated[str, typer.Option(help="read, write or admin.")] = "read",
    days: Annotated[int, typer.Option(help="Valid for this many days.")] = 90,
    until: Annotated[str | None, typer.Option(help="Valid until this date (YYYY-MM-DD), instead of --days.")] = None,
    name: Annotated[str, typer.Option(help="A label, e.g. where the token is used.")] = "",
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    with governed(ctx, token) as (_, acc):
        expires = parse_until(until) if until else None
        tok, plaintext = create_token(acc, principal=principal, scope=scope, expires_at=expires, days=days, name=name)
        out = {
            "id": tok.id,
            "principal": principal,
            "scope": tok.scope,
            "expires_at": as_utc(tok.expires_at).isoformat(),
        }
    out["token"] = plaintext
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]Token {out['id']}[/] for {principal} ({out['scope']}, until {out['expires_at']}):")
        print(plaintext)
        console.print("[yellow]Store it now: it is not shown again.[/]")


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="Token id (see `dataharbor token list`).")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a token at once."""
    with governed(ctx, token) as (_, acc):
        tok = revoke_token(acc, token_id)
        out = {"id": tok.id, "revoked_at": as_utc(tok.revoked_at).isoformat() if tok.revoked_at else None}
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]Token {token_id} revoked[/]")


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    principal: Annotated[str | None, typer.Option(help="Only this principal's tokens.")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List tokens (never their secrets): state, scope, expiry, last use."""
    with governed(ctx, token) as (_, acc):
        rows: list[dict[str, Any]] = [
            {
                "id": t.id,
                "principal": who,
                "name": t.name,
                "scope": t.scope,
                "state": token_state(t, acc.now()),
                "expires_at": as_utc(t.expires_at).isoformat(),
                "last_used_at": as_utc(t.last_used_at).isoformat() if t.last_used_at else None,
                "created_by": t.created_by,
            }
            for t, who in list_tokens(acc, principal=principal)
        ]
    if as_json:
        emit_json(rows)
    else:
        table(
            "Tokens",
            ["id", "principal", "name", "scope", "state", "expires", "last used"],
            [
                (
                    r["id"],
                    r["principal"],
                    r["name"],
                    r["scope"],
                    r["state"],
                    r["expires_at"][:19],
                    (r["last_used_at"] or "-")[:19],
                )
                for r in rows
            ],
        )


def register(app: typer.Typer) -> None:
    app.add_typer(principal_app, name="principal")
    app.add_typer(token_app, name="token")
