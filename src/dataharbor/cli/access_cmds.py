"""`principal`, `token`, `grant`, `access`, `auditlog` and `usage` commands, and how a command learns who acts.

A command acts as the principal of `--token` (or `DATAHARBOR_TOKEN`); without one, the local operator —
who can open the catalog on this machine and so already holds every file — acts as `local-admin`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

from dataharbor.access import grants as grant_svc
from dataharbor.access import requests as request_svc
from dataharbor.access.auditlog import AuditLog
from dataharbor.access.clock import as_utc, parse_from, parse_until
from dataharbor.access.context import AccessContext, new_request_id
from dataharbor.access.logview import EventFilter, list_events, verify_log
from dataharbor.access.principals import add_principal, list_principals, partner_name
from dataharbor.access.subjects import LOCAL_ADMIN
from dataharbor.access.tokens import authenticate, create_token, list_tokens, revoke_token, token_state
from dataharbor.access.usage import usage_report
from dataharbor.catalog.models import Principal
from dataharbor.cli.context import open_harbor
from dataharbor.cli.render import console, emit_json, kv, table
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

principal_app = typer.Typer(help="Users and service accounts, their roles and teams.", no_args_is_help=True)
token_app = typer.Typer(
    help="API tokens: shown once, stored hashed, scoped, expiring, revocable.", no_args_is_help=True
)
grant_app = typer.Typer(help="Purpose-bound, expiring grants on private datasets.", no_args_is_help=True)
access_app = typer.Typer(help="Access requests: trainers ask, partners approve or reject.", no_args_is_help=True)
auditlog_app = typer.Typer(help="The hash-chained audit log: list and verify.", no_args_is_help=True)


@contextmanager
def governed(ctx: typer.Context, token: str | None) -> Iterator[tuple[Harbor, AccessContext]]:
    """Open the platform and one unit of work, acting as the token's principal (or local-admin)."""
    with open_harbor(ctx) as h, h.catalog.session() as s:
        log = AuditLog.in_home(h.settings.resolved_home)
        request_id = new_request_id()
        actor = authenticate(s, token, log=log, request_id=request_id) if token else LOCAL_ADMIN
        yield h, AccessContext(s, actor, log, request_id)


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


# --- grants and access requests ---


def _grant_table(title: str, rows: list[dict[str, Any]]) -> None:
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
        _grant_table("Grants", rows)


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


# --- audit log and usage ---


@auditlog_app.command("list")
def auditlog_list(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="Only events from this date (YYYY-MM-DD).")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. data.read.")] = None,
    principal: Annotated[str | None, typer.Option(help="Only this principal's events.")] = None,
    dataset: Annotated[str | None, typer.Option(help="Only events on this dataset.")] = None,
    denied: Annotated[bool, typer.Option("--denied", help="Only denied attempts.")] = False,
    limit: Annotated[int, typer.Option(help="How many of the newest events.")] = 100,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List audit events (auditors and admins)."""
    flt = EventFilter(
        since=parse_from(since) if since else None,
        action=action,
        principal=principal,
        dataset=dataset,
        denied_only=denied,
        limit=limit,
    )
    with governed(ctx, token) as (_, acc):
        rows = list_events(acc, flt)
    if as_json:
        emit_json(rows)
    else:
        table(
            "Audit log",
            ["seq", "time", "principal", "action", "resource", "purpose", "outcome", "reason"],
            [
                (
                    r["seq"],
                    r["time"][:19],
                    r["principal"],
                    r["action"],
                    r["resource"],
                    r["purpose"] or "",
                    "allowed" if r["allowed"] else "DENIED",
                    r["reason"],
                )
                for r in rows
            ],
        )


@auditlog_app.command("verify")
def auditlog_verify(ctx: typer.Context, token: TokenOpt = None, as_json: JsonOpt = False) -> None:
    """Check the hash chain and the checkpoint; name the first edited, deleted, reordered or missing row."""
    with governed(ctx, token) as (_, acc):
        result = verify_log(acc)
    if as_json:
        emit_json(result.to_dict())
    elif result.ok:
        console.print(f"[green]Audit log intact:[/] {result.rows} events, head {result.head_hash[:16]}")
        for w in result.warnings:
            console.print(f"  [yellow]warning:[/] {w}")
    else:
        console.print(f"[red]Audit log TAMPERED[/] at row {result.bad_seq}: {result.problem}")
    if not result.ok:
        raise typer.Exit(1)


def usage(
    ctx: typer.Context,
    partner: Annotated[str, typer.Argument(help="The partner whose datasets' use is reported.")],
    since: Annotated[str | None, typer.Option(help="Only from this date (YYYY-MM-DD).")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Who read which of a partner's datasets, when, for which purpose, how many records; grants; denials."""
    with governed(ctx, token) as (_, acc):
        report = usage_report(acc, partner=partner, since=parse_from(since) if since else None)
    if as_json:
        emit_json(report)
        return
    kv(f"Usage of {partner}'s data", {"datasets": ", ".join(report["datasets"]), "since": report["since"] or "always"})
    table(
        "Reads by principal, dataset and purpose",
        ["principal", "dataset", "purpose", "reads", "records", "first", "last"],
        [
            (r["principal"], r["dataset"], r["purpose"], r["reads"], r["records"], r["first"][:19], r["last"][:19])
            for r in report["summary"]
        ],
    )
    table(
        "Reads",
        ["time", "principal", "dataset", "version", "purpose", "records", "what"],
        [
            (r["time"][:19], r["principal"], r["dataset"], r["version"], r["purpose"], r["records"], r["what"])
            for r in report["reads"]
        ],
    )
    _grant_table("Grants", report["grants"])
    table(
        "Denied attempts",
        ["time", "principal", "dataset", "purpose", "reason"],
        [(r["time"][:19], r["principal"], r["dataset"], r["purpose"], r["reason"]) for r in report["denied"]],
    )


def register(app: typer.Typer) -> None:
    app.add_typer(principal_app, name="principal")
    app.add_typer(token_app, name="token")
    app.add_typer(grant_app, name="grant")
    app.add_typer(access_app, name="access")
    app.add_typer(auditlog_app, name="auditlog")
    app.command("usage")(usage)
