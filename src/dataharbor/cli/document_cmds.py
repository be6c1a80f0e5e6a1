"""`card`, `croissant`, `datasheet` and `ai-act-summary`: dataset documents generated from the audit and catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from dataharbor.catalog import repo
from dataharbor.catalog.models import DatasetVersion
from dataharbor.cli.context import TokenOpt, governed
from dataharbor.cli.render import err_console, write_or_print
from dataharbor.documents import ai_act, card, croissant, datasheet, export_data, gather, gather_approved
from dataharbor.errors import Conflict, InvalidInput

RefArg = Annotated[str, typer.Argument(help="PARTNER/NAME[@vN] (latest readable version by default)")]
OutOpt = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="Write into this folder (created if needed) instead of printing to stdout."),
]
DataOpt = Annotated[
    bool,
    typer.Option("--with-data", help="Also copy the open version's record shards to OUT/data/ (SHA-256 checked)."),
]
FILE_NAMES = {"card": "README.md", "croissant": "croissant.json", "datasheet": "datasheet.md"}


def _emit(text: str, out: Path | None, name: str) -> None:
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    write_or_print(text, None if out is None else out / name)


def _document(ctx: typer.Context, ref: str, kind: str, token: str | None, out: Path | None, with_data: bool,
              url: str | None = None) -> None:  # fmt: skip
    if with_data and out is None:
        raise InvalidInput("--with-data needs --out DIR (the shards go to DIR/data/)")
    with governed(ctx, token) as (h, acc):
        _, version = repo.resolve_version(acc.session, ref)
        facts = gather(acc, version, kind)
        if kind == "card":
            text = card.render(facts)
        elif kind == "datasheet":
            text = datasheet.render(facts)
        else:
            doc = croissant.to_jsonld(facts, url)
            errors, warnings = croissant.validate(doc)
            if errors:
                raise Conflict(f"The Croissant document does not validate (mlcroissant): {'; '.join(errors)}")
            if warnings:
                err_console.print(f"mlcroissant: {len(warnings)} warning(s): " + "; ".join(warnings), soft_wrap=True)
            text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        if with_data and out is not None:
            for path in export_data(acc, h.store, facts, version, out):
                err_console.print(f"Copied {path}")
    _emit(text, out, FILE_NAMES[kind])


def card_cmd(ctx: typer.Context, ref: RefArg, out: OutOpt = None, with_data: DataOpt = False,
             token: TokenOpt = None) -> None:  # fmt: skip
    """Hugging Face dataset card (README.md with YAML metadata) of a version, from its audit and the catalog."""
    _document(ctx, ref, "card", token, out, with_data)


def croissant_cmd(
    ctx: typer.Context,
    ref: RefArg,
    out: OutOpt = None,
    with_data: DataOpt = False,
    url: Annotated[str | None, typer.Option("--url", help="Where the dataset is published (Croissant `url`).")] = None,
    token: TokenOpt = None,
) -> None:
    """Croissant 1.1 JSON-LD with the RAI vocabulary (validated with mlcroissant before it is written)."""
    _document(ctx, ref, "croissant", token, out, with_data, url)


def datasheet_cmd(ctx: typer.Context, ref: RefArg, out: OutOpt = None, token: TokenOpt = None) -> None:
    """Datasheet (Gebru et al. 2021) of a version as Markdown."""
    _document(ctx, ref, "datasheet", token, out, False)


def ai_act_summary(
    ctx: typer.Context,
    refs: Annotated[list[str], typer.Argument(help="Approved versions, each PARTNER/NAME@vN.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="md or json.")] = "md",
    provider: Annotated[str | None, typer.Option(help="The model provider's name.")] = None,
    model: Annotated[str | None, typer.Option(help="The model's name.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")] = None,
    token: TokenOpt = None,
) -> None:
    """EU AI Act public summary of training content (Commission template, July 2025) for approved versions."""
    if fmt not in ("md", "json"):
        raise InvalidInput(f"Unknown format '{fmt}'; expected md or json")
    with governed(ctx, token) as (_, acc):
        versions: list[DatasetVersion] = []
        for ref in refs:
            number = repo.parse_ref(ref)[2]
            if number is None:
                raise InvalidInput(f"Name the version: {ref}@vN (only approved versions enter the summary)")
            versions.append(repo.get_version(acc.session, repo.get_dataset(acc.session, ref), number))
        summary = ai_act.summary(gather_approved(acc, versions, "ai-act-summary"), provider, model)
    text = ai_act.render_markdown(summary) if fmt == "md" else json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    write_or_print(text, output)


def register(app: typer.Typer) -> None:
    app.command("card")(card_cmd)
    app.command("croissant")(croissant_cmd)
    app.command("datasheet")(datasheet_cmd)
    app.command("ai-act-summary")(ai_act_summary)
