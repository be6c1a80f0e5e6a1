"""`withdraw` and `withdrawal show|list`: take data back, and read the deletion receipts."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dataharbor.access import withdrawal as svc
from dataharbor.cli.context import JsonOpt, TokenOpt, governed
from dataharbor.cli.render import console, emit_json, kv, table

withdrawal_app = typer.Typer(help="Deletion receipts of withdrawals.", no_args_is_help=True)


def withdraw(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME")],
    reason: Annotated[str, typer.Option(help="Why the data is withdrawn (kept in the receipt).")],
    contribution: Annotated[
        int | None, typer.Option(help="Withdraw only this contribution (see `dataharbor jobs ID`); default: all.")
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Withdraw a contribution or a whole dataset: keys destroyed, files deleted, a new version, a receipt.

    Running it again resumes a withdrawal that stopped half-way.
    """
    with governed(ctx, token) as (h, acc):
        w = svc.withdraw(acc, h.store, dataset=ref, contribution=contribution, reason=reason)
        receipt = svc.receipt_of(w)
    if as_json:
        emit_json(receipt)
        return
    _print_receipt(receipt)


def _print_receipt(r: dict[str, Any]) -> None:
    new = r.get("new_version")
    kv(
        f"Deletion receipt {r['reference']}",
        {
            "dataset": r["dataset"],
            "scope": r["scope"] + (f" {r['contributions'][0]['id']}" if r["scope"] == "contribution" else ""),
            "state": r["state"],
            "reason": r["reason"],
            "requested by": r["requested_by"],
            "requested at": r["requested_at"],
            "completed at": r.get("completed_at") or "-",
            "records removed": r["records"],
            "keys destroyed": ", ".join(r["keys_destroyed"]) or "none (open data is not encrypted)",
            "dedup entries removed": r.get("dedup_index_entries_removed", "-"),
            "new version": f"v{new['number']} ({new['records']} records, {new['state']})" if new else "none",
            "receipt hash": r.get("receipt_hash") or "-",
        },
    )
    table(
        "Raw files deleted",
        ["name", "sha256", "size", "blob"],
        [(f["name"] or "(unrecorded)", f["sha256"][:16], f["size"], f.get("blob", "-")) for f in r["raw_files"]],
    )
    table(
        "Shard files deleted",
        ["path", "kind", "rows", "bytes", "key"],
        [(sh["path"], sh["kind"], sh["rows"], sh["bytes"], sh.get("key_id", "-")) for sh in r["shard_files"]],
    )
    table(
        "Affected versions (now withdrawn) and derived artefacts",
        ["kind", "id", "state", "integrity root"],
        [
            (a["kind"], a["id"], a.get("state", ""), (a.get("integrity_root") or "")[:16])
            for a in r.get("derived_artefacts", [])
        ],
    )
    if "recall_notice" in r:
        console.print(f"[yellow]{r['recall_notice']}[/]")
        table(
            "Public releases that contained the data",
            ["version", "state", "integrity root"],
            [(f"v{p['number']}", p["state"], p["integrity_root"]) for p in r["public_releases"]],
        )
    if r.get("error"):
        console.print(f"[red]unfinished:[/] {r['error']} — run the same `withdraw` again to resume")


@withdrawal_app.command("show")
def withdrawal_show(
    ctx: typer.Context,
    reference: Annotated[str, typer.Argument(help="The withdrawal reference, e.g. W-20270601-3fa2c1b0.")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a withdrawal's deletion receipt (the owning partner's admin, auditors, admins)."""
    with governed(ctx, token) as (_, acc):
        receipt = svc.receipt_of(svc.get_withdrawal(acc, reference))
    if as_json:
        emit_json(receipt)
    else:
        _print_receipt(receipt)


@withdrawal_app.command("list")
def withdrawal_list(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List a dataset's withdrawals with their state and receipt hash."""
    with governed(ctx, token) as (_, acc):
        rows: list[dict[str, Any]] = [
            {
                "reference": w.reference,
                "scope": w.scope,
                "contribution": w.contribution_id,
                "state": w.state,
                "reason": w.reason,
                "requested_by": w.requested_by,
                "created_at": w.created_at.isoformat(),
                "completed_at": w.completed_at.isoformat() if w.completed_at else None,
                "new_version": (w.receipt.get("new_version") or {}).get("number"),
                "receipt_hash": w.receipt_hash or None,
            }
            for w in svc.list_withdrawals(acc, ref)
        ]
    if as_json:
        emit_json(rows)
    else:
        table(
            f"Withdrawals of {ref}",
            ["reference", "scope", "state", "new version", "by", "completed", "reason"],
            [
                (
                    r["reference"],
                    r["scope"] + (f" {r['contribution']}" if r["contribution"] else ""),
                    r["state"],
                    f"v{r['new_version']}" if r["new_version"] else "-",
                    r["requested_by"],
                    (r["completed_at"] or "-")[:19],
                    r["reason"],
                )
                for r in rows
            ],
        )


def register(app: typer.Typer) -> None:
    app.command("withdraw")(withdraw)
    app.add_typer(withdrawal_app, name="withdrawal")
