"""`init`, `partner …` and `dataset …` commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from dataharbor.access import operations as ops
from dataharbor.catalog import repo
from dataharbor.catalog.models import Dataset
from dataharbor.cli.context import JsonOpt, TokenOpt, governed, open_harbor
from dataharbor.cli.render import console, emit_json, kv, table

partner_app = typer.Typer(help="Partner organisations that contribute data.", no_args_is_help=True)
dataset_app = typer.Typer(help="Datasets: tier, licence and terms of use.", no_args_is_help=True)


def init(ctx: typer.Context) -> None:
    """Create the home folder (catalog + store) or migrate an existing catalog to the latest schema."""
    with open_harbor(ctx, create=True) as h:
        s = h.settings
        console.print(f"[green]DataHarbor is ready[/] in {s.resolved_home}")
        console.print(f"  catalog: {s.catalog_url}\n  store:   {s.resolved_store_url}")


@partner_app.command("add")
def partner_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Short unique name, e.g. city-library.")],
    kind: Annotated[str, typer.Option(help="organisation, university, company, public-body, ...")] = "organisation",
    jurisdiction: Annotated[str, typer.Option(help="Country or legal area, e.g. FR or EU.")] = "",
    contact: Annotated[str, typer.Option(help="Contact address for data questions.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Register a partner organisation."""
    with open_harbor(ctx) as h, h.catalog.session() as s:
        p = repo.add_partner(s, name=name, kind=kind, jurisdiction=jurisdiction, contact=contact)
        out = {"id": p.id, "name": p.name, "kind": p.kind, "jurisdiction": p.jurisdiction, "contact": p.contact}
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]Partner added:[/] {name}")


@partner_app.command("list")
def partner_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List partners and how many datasets each owns."""
    with open_harbor(ctx) as h, h.catalog.session() as s:
        rows = [
            {"id": p.id, "name": p.name, "kind": p.kind, "jurisdiction": p.jurisdiction, "datasets": len(p.datasets)}
            for p in repo.list_partners(s)
        ]
    if as_json:
        emit_json(rows)
    else:
        table(
            "Partners",
            ["name", "kind", "jurisdiction", "datasets"],
            [(r["name"], r["kind"], r["jurisdiction"], r["datasets"]) for r in rows],
        )


def dataset_dict(ds: Dataset) -> dict[str, Any]:
    return {
        "id": ds.id,
        "ref": ds.ref,
        "tier": ds.tier,
        "license": ds.license,
        "purposes": ds.purposes,
        "pii_policy": ds.pii_policy,
        "languages": ds.languages,
        "retention_days": ds.retention_days,
        "redistribution": ds.redistribution,
        "consent": ds.consent,
        "description": ds.description,
        "text_field": ds.text_field,
        "text_column": ds.text_column,
        "created_at": ds.created_at.isoformat(),
    }


@dataset_app.command("create")
def dataset_create(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME")],
    tier: Annotated[str, typer.Option(help="open (public, open licence) or private (grant-bound).")],
    license: Annotated[str, typer.Option("--license", help="SPDX id; LicenseRef-<name> for a custom agreement.")],
    purpose: Annotated[
        list[str] | None,
        typer.Option(help="Allowed purpose (repeatable): training, evaluation, fine-tuning, research. Default: all."),
    ] = None,
    pii_policy: Annotated[
        str, typer.Option(help="redact (replace personal data), drop (drop its records) or keep-private-only.")
    ] = "redact",
    languages: Annotated[str, typer.Option(help="Declared languages, comma-separated ISO codes, e.g. en,fr.")] = "",
    retention_days: Annotated[int | None, typer.Option(help="How long the data may be kept, in days.")] = None,
    redistribution: Annotated[
        bool | None,
        typer.Option(
            "--redistribution/--no-redistribution", help="May copies be redistributed? Default: yes for open."
        ),
    ] = None,
    consent: Annotated[str, typer.Option(help="Lawful basis / consent evidence reference.")] = "",
    description: Annotated[str, typer.Option(help="One paragraph on what the data is.")] = "",
    text_field: Annotated[str, typer.Option(help="JSON/JSONL field holding the text (dotted path).")] = "text",
    text_column: Annotated[str, typer.Option(help="CSV/TSV column holding the text.")] = "text",
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a dataset owned by a partner, with its tier, licence and terms (the partner's admin)."""
    partner, name, _ = repo.parse_ref(ref)
    langs = [x.strip() for x in languages.split(",") if x.strip()]
    with governed(ctx, token) as (_, acc):
        ds = ops.create_dataset(
            acc,
            partner=partner,
            name=name,
            tier=tier,
            license=license,
            purposes=purpose or [],
            pii_policy=pii_policy,
            languages=langs,
            retention_days=retention_days,
            redistribution=redistribution,
            consent=consent,
            description=description,
            text_field=text_field,
            text_column=text_column,
        )
        out = dataset_dict(ds)
    if as_json:
        emit_json(out)
    else:
        console.print(f"[green]Dataset created:[/] {out['ref']} ({out['tier']}, {out['license']})")


@dataset_app.command("list")
def dataset_list(
    ctx: typer.Context,
    partner: Annotated[str | None, typer.Option(help="Only this partner's datasets.")] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List datasets with tier, licence and latest version (those whose metadata you may see)."""
    with governed(ctx, token) as (_, acc):
        s = acc.session
        rows = []
        for ds in ops.visible_datasets(acc, partner):
            versions = repo.list_versions(s, ds.id)
            latest = versions[-1] if versions else None
            rows.append(
                dataset_dict(ds)
                | {
                    "latest_version": latest.number if latest else None,
                    "latest_state": latest.state if latest else None,
                }
            )
    if as_json:
        emit_json(rows)
    else:
        table(
            "Datasets",
            ["dataset", "tier", "licence", "languages", "latest", "state"],
            [
                (
                    r["ref"],
                    r["tier"],
                    r["license"],
                    ",".join(r["languages"]),
                    f"v{r['latest_version']}" if r["latest_version"] else "-",
                    r["latest_state"] or "-",
                )
                for r in rows
            ],
        )


@dataset_app.command("show")
def dataset_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a dataset's terms and versions."""
    with governed(ctx, token) as (_, acc):
        s = acc.session
        ds = ops.get_dataset(acc, ref)
        out = dataset_dict(ds) | {
            "versions": [
                {"number": v.number, "state": v.state, "records": v.stats.get("version", {}).get("records")}
                for v in repo.list_versions(s, ds.id)
            ]
        }
    if as_json:
        emit_json(out)
    else:
        kv(f"Dataset {out['ref']}", {k: v for k, v in out.items() if k not in ("ref", "id")})


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.add_typer(partner_app, name="partner")
    app.add_typer(dataset_app, name="dataset")
