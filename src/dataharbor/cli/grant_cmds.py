"""`grant …` and `access …`: purpose-bound grants on private datasets, and the access-request flow."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dataharbor.access import grants as grant_svc
from dataharbor.access import requests as request_svc
from dataharbor.access.clock import parse_from, parse_until
from dataharbor.cli.context import JsonOpt, TokenOpt, governed
from dataharbor.cli.render import console, emit_json, table

grant_app = typer.Typer(help="Purpose-bound, expiring grants on private datasets.", no_args_is_help=True)
access_app = typer.Typer(help="Access requests: trainers ask, partners approve or reject.", no_args_is_help=True)


# --- grants and access requests ---


def grant_table(title: str, rows: list[dict[str, Any]]) -> None:
    table(
        title,
        ["id", "dataset", "grantee", "purpose", "from", "until", "state", "by"],
        [
            (
                r["id"],
                r["dataset"] + (f"@v{r['version']}" if r["version"] else ""),
                r["principal"] or f"team:{r['team']}",
                r["purpose"],
                (r["not_before"] or "-")[:19],
                r["expires_at"][:19],
                r["state"],
                r["granted_by"],
            )
            for r in rows
        ],
    )


@grant_app.command("add")
def grant_add(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME, or PARTNER/NAME@vN for one version.")],
    purpose: Annotated[str, typer.Option(help="training, evaluation, fine-tuning or research.")],
    until: Annotated[str, typer.Option(help="Expiry: YYYY-MM-DD (end of that day, UTC) or an ISO date-time.")],
    principal: Annotated[str | None, typer.Option(help="The principal granted.")] = None,
    team: Annotated[str | None, typer.Option(help="The team granted (instead of a principal).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Not valid before this date (YYYY-MM-DD).")] = None,
    note: Annotated[str, typer.Option(help="A note stored with the grant.")] = "",
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Grant a principal or a team access to a private dataset for one purpose until a date."""
    with governed(ctx, token) as (_, acc):
        g = grant_svc.add_grant(
            acc,
            dataset=ref,
            purpose=purpose,
            expires_at=parse_until(until),
            principal=principal,
            team=team,
            not_before=parse_from(start) if start else None,
            note=note,
        )
        out = grant_svc.grant_dict(acc.session, g, acc.now())
    if as_json:
        emit_json(out)
    else:
        console.print(
            f"[green]Grant {out['id']}:[/] {out['principal'] or 'team ' + str(out['team'])} may read {ref} "
            f"for {out['purpose']} until {out['expires_at']}"
        )


@grant_app.command("revoke")
def grant_revoke(
    ctx: typer.Context,
    grant_id: Annotated[int, typer.Argument(help="Grant id (see `dataharbor grant list`).")],
    reason: Annotated[str, typer.Option(help="Why the grant is revoked.")] = "",
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a grant; reads under it are refused from now on."""
    with governed(ctx, token) as (_, acc):
        out = grant_svc.grant_dict(acc.session, grant_svc.revoke_grant(acc, grant_id, reason=reason), acc.now())
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]Grant {grant_id} revoked[/]")


@grant_app.command("list")
def grant_list(
    ctx: typer.Context,
    dataset: Annotated[str | None, typer.Option(help="Only grants on this dataset (PARTNER/NAME).")] = None,
    principal: Annotated[str | None, typer.Option(help="Only grants to this principal.")] = None,
    live: Annotated[bool, typer.Option("--live", help="Only grants valid now.")] = False,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List grants with their state (live, expired, not-yet-valid, revoked)."""
    with governed(ctx, token) as (_, acc):
        rows = grant_svc.list_grants(acc, grant_svc.GrantFilter(dataset=dataset, principal=principal, live_only=live))
    if as_json:
        emit_json(rows)
    else:
        grant_table("Grants", rows)


@access_app.command("request")
def access_request(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME, or PARTNER/NAME@vN for one version.")],
    purpose: Annotated[str, typer.Option(help="training, evaluation, fine-tuning or research.")],
    reason: Annotated[str, typer.Option(help="Why the data is needed.")],
    until: Annotated[str | None, typer.Option(help="Wanted expiry (YYYY-MM-DD).")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask the owning partner for access to a private dataset (as the token's principal, a trainer)."""
    with governed(ctx, token) as (_, acc):
        req = request_svc.request_access(
            acc, dataset=ref, purpose=purpose, justification=reason, wanted_until=parse_until(until) if until else None
        )
        out = request_svc.request_dict(acc, req, grant_svc.private_dataset(acc.session, ref)[0])
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]Access request {out['id']}[/] sent to {ref.split('/')[0]} ({out['purpose']})")


@access_app.command("approve")
def access_approve(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="Request id (see `dataharbor access list`).")],
    until: Annotated[str | None, typer.Option(help="Grant expiry (default: the one requested).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="Not valid before this date.")] = None,
    note: Annotated[str, typer.Option(help="A note stored with the grant.")] = "",
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve a pending request: creates the grant."""
    with governed(ctx, token) as (_, acc):
        req, g = request_svc.approve_request(
            acc,
            request_id,
            until=parse_until(until) if until else None,
            not_before=parse_from(start) if start else None,
            note=note,
        )
        out: dict[str, Any] = {
            "request": req.id,
            "state": req.state,
            "grant": grant_svc.grant_dict(acc.session, g, acc.now()),
        }
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]Request {request_id} approved:[/] grant {g.id} until {out['grant']['expires_at']}")


@access_app.command("reject")
def access_reject(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="Request id.")],
    reason: Annotated[str, typer.Option(help="Why it is rejected (shown to the requester).")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Reject a pending request with a reason."""
    with governed(ctx, token) as (_, acc):
        req = request_svc.reject_request(acc, request_id, reason=reason)
        out = {"request": req.id, "state": req.state, "reason": req.decision_reason}
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]Request {request_id} rejected[/]")


@access_app.command("list")
def access_list(
    ctx: typer.Context,
    state: Annotated[str | None, typer.Option(help="pending, approved or rejected.")] = None,
    dataset: Annotated[str | None, typer.Option(help="Only requests for this dataset.")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List access requests you made or may decide."""
    with governed(ctx, token) as (_, acc):
        rows = request_svc.list_requests(acc, state=state, dataset=dataset)
    if as_json:
        emit_json(rows)
    else:
        table(
            "Access requests",
            ["id", "dataset", "principal", "purpose", "state", "wanted until", "reason", "decision"],
            [
                (
                    r["id"],
                    r["dataset"],
                    r["principal"],
                    r["purpose"],
                    r["state"],
                    (r["wanted_until"] or "-")[:10],
                    r["justification"],
                    r["decision_reason"] or "",
                )
                for r in rows
            ],
        )


def register(app: typer.Typer) -> None:
    app.add_typer(grant_app, name="grant")
    app.add_typer(access_app, name="access")
