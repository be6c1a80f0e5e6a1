"""`auditlog …` and `usage`: the hash-chained audit log, and what a partner sees of the use of its data."""

from __future__ import annotations

from typing import Annotated

import typer

from dataharbor.access.clock import parse_from
from dataharbor.access.logview import EventFilter, list_events, verify_log
from dataharbor.access.usage import usage_report
from dataharbor.cli.context import JsonOpt, TokenOpt, governed
from dataharbor.cli.grant_cmds import grant_table
from dataharbor.cli.render import console, emit_json, kv, table

auditlog_app = typer.Typer(help="The hash-chained audit log: list and verify.", no_args_is_help=True)


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
    grant_table("Grants", report["grants"])
    table(
        "Denied attempts",
        ["time", "principal", "dataset", "purpose", "reason"],
        [(r["time"][:19], r["principal"], r["dataset"], r["purpose"], r["reason"]) for r in report["denied"]],
    )


def register(app: typer.Typer) -> None:
    app.add_typer(auditlog_app, name="auditlog")
    app.command("usage")(usage)
