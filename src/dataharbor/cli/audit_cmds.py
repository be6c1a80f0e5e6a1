"""`audit`, `review approve|reject` and `report` commands: the audit of a version and the review gate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from dataharbor.audit import FORMATS, audit_version, read_report, render, report_dict, review_version, rules_for
from dataharbor.audit.rules import load_rules
from dataharbor.audit.service import Decision, reviews_of
from dataharbor.catalog import repo
from dataharbor.cli.context import JsonOpt, TokenOpt, governed
from dataharbor.cli.render import console, emit_json, table, write_or_print
from dataharbor.errors import InvalidInput

RefArg = Annotated[str, typer.Argument(help="PARTNER/NAME[@vN] (latest readable version by default)")]
CommentOpt = Annotated[str, typer.Option("--comment", "-m", help="Why: stored with the review and logged.")]

review_app = typer.Typer(help="The review gate: curators approve or reject audited versions.", no_args_is_help=True)


def audit(
    ctx: typer.Context,
    ref: RefArg,
    rules: Annotated[
        Path | None,
        typer.Option(help="Audit rules (YAML) laid over the defaults; default: <home>/audit-rules.yaml if present."),
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Audit a version (re-runnable): composition, quality, errors, personal data, safety, bias, licence."""
    with governed(ctx, token) as (h, acc):
        _, version = repo.resolve_version(acc.session, ref)
        report = audit_version(acc, h.store, version, load_rules(rules) if rules else rules_for(h.settings))
        out = report_dict(report, version, reviews_of(acc, version))
    if as_json:
        emit_json(out)
        return
    _print_summary(out)


def _print_summary(out: dict[str, Any]) -> None:
    a = out["audit"]
    colour = {"pass": "green", "needs_review": "yellow", "fail": "red"}.get(a["verdict"], "white")
    console.print(
        f"[bold]{out['dataset']['ref']}@v{out['version']['number']}[/] ({out['version']['state']}): verdict "
        f"[{colour}]{a['verdict']}[/] — {a['findings']['error']} errors, {a['findings']['warning']} warnings, "
        f"{a['findings']['info']} notes"
    )
    table(
        "Findings",
        ["severity", "code", "finding"],
        [(f["severity"], f["code"], f["message"]) for f in out["findings"]],
    )


def _review(ctx: typer.Context, ref: str, decision: Decision, comment: str, override: bool, token: str | None,
            as_json: bool) -> None:  # fmt: skip
    if repo.parse_ref(ref)[2] is None:
        raise InvalidInput(f"Name the version to review: {ref}@vN")
    with governed(ctx, token) as (_, acc):
        ds, version = repo.resolve_version(acc.session, ref)
        review = review_version(acc, version, decision, comment, override=override)
        out = {
            "dataset": ds.ref,
            "version": version.number,
            "decision": review.decision,
            "from_state": review.from_state,
            "state": review.to_state,
            "reviewer": review.reviewer,
            "comment": review.comment,
            "audit_report_id": review.audit_report_id,
        }
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]{out['dataset']}@v{out['version']}[/]: {out['from_state']} → {out['state']}")


@review_app.command("approve")
def approve(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME@vN")],
    comment: CommentOpt,
    override: Annotated[
        bool, typer.Option("--override", help="Approve even though the audit's verdict is 'fail' (say why).")
    ] = False,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve an audited version for training (curators and admins)."""
    _review(ctx, ref, "approve", comment, override, token, as_json)


@review_app.command("reject")
def reject(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME@vN")],
    comment: CommentOpt,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Reject an audited (or approved) version: it is no longer served for training."""
    _review(ctx, ref, "reject", comment, False, token, as_json)


def report(
    ctx: typer.Context,
    ref: RefArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, json or md.")] = "html",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")] = None,
    token: TokenOpt = None,
) -> None:
    """The latest audit report of a version: standalone HTML, JSON or Markdown."""
    if fmt not in FORMATS:
        raise InvalidInput(f"Unknown report format '{fmt}'; expected one of {', '.join(FORMATS)}")
    with governed(ctx, token) as (_, acc):
        _, version = repo.resolve_version(acc.session, ref)
        text = render(read_report(acc, version), fmt)
    write_or_print(text, output)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
    app.add_typer(review_app, name="review")
    app.command("report")(report)
