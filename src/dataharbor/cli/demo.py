"""`dataharbor demo`: the whole path, end to end, on the bundled samples in a fresh home."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from dataharbor.catalog import repo
from dataharbor.catalog.models import File
from dataharbor.cli.data_cmds import issues_text, run_with_progress
from dataharbor.cli.render import console, human_bytes, table
from dataharbor.config import Settings
from dataharbor.domain.record import Record, read_confidence
from dataharbor.errors import InvalidInput
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.select.browse import iter_records, trace

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "bundle"
PARTNER = "city-library"
DATASET = f"{PARTNER}/letters-and-reports"


def demo(
    home: Annotated[Path, typer.Option(help="Fresh home for the demo (wiped if it is a previous demo).")] = Path(
        "./harbor-demo"
    ),
    samples: Annotated[Path, typer.Option(help="Folder of sample files to contribute.")] = SAMPLES,
) -> None:
    """Create a partner and an open dataset, upload the samples, process them and show what happened."""
    if not samples.is_dir():
        raise InvalidInput(f"Samples folder '{samples}' not found (pass --samples)", path=str(samples))
    home = home.resolve()
    if home.exists():
        if not (home / "catalog.db").exists() and any(home.iterdir()):
            raise InvalidInput(f"'{home}' exists and is not a DataHarbor home; choose another --home")
        shutil.rmtree(home)
    harbor = Harbor.open(Settings(home=home), create=True)
    try:
        console.rule("[bold]DataHarbor demo")
        with harbor.catalog.session() as s:
            repo.add_partner(
                s, name=PARTNER, kind="public-body", jurisdiction="EU", contact="data@city-library.example"
            )
            repo.create_dataset(
                s,
                partner=PARTNER,
                name=DATASET.split("/")[1],
                tier="open",
                license="CC-BY-4.0",
                purposes=["training", "evaluation", "research"],
                languages=["en", "fr"],
                pii_policy="redact",
                description="Letters, reports and notices contributed by a city library (demo samples).",
            )
        console.print(f"partner [bold]{PARTNER}[/], open dataset [bold]{DATASET}[/] (CC-BY-4.0, en+fr, PII redacted)")
        with harbor.catalog.session() as s:
            up = upload(s, harbor.store, dataset_ref=DATASET, paths=[samples], note="demo samples")
        console.print(f"uploaded {up.files} files ({human_bytes(up.bytes)}) from {samples}")
        outcome = run_with_progress(harbor, up.job_id)
        st = outcome.stats
        with harbor.catalog.session() as s:
            files = s.scalars(select(File).where(File.contribution_id == up.contribution_id).order_by(File.id)).all()
            table(
                "Files",
                ["file", "type", "status", "records", "reason"],
                [(f.name, f.detected_type, f.status, f.records, f.error or issues_text(f.issues)) for f in files],
            )
            ds = repo.get_dataset(s, DATASET)
            version = repo.get_version(s, ds, outcome.version)
            table(
                "Records",
                ["", "count"],
                [
                    ("extracted", st["records"]),
                    ("kept", st["kept"]),
                    ("dropped", st["dropped"]),
                    ("duplicates removed", st["duplicates"]),
                    ("kept records with PII redacted", st["records_with_pii"]),
                    ("flagged unsafe (kept, flagged)", st["flagged_unsafe"]),
                    ("flagged for review (low OCR/ASR confidence)", st.get("flagged_review", 0)),
                ],
            )
            table("Kept records by modality", ["modality", "records"], st.get("modalities", {}).items())
            table("Dropped, by stage and reason", ["stage:reason", "records"], st["drop_reasons"].items())
            table("PII redacted, by type", ["entity", "found"], st["pii_entities"].items())
            table("Languages of kept records", ["language", "records"], st["languages"].items())
            kept = list(iter_records(harbor.store, version))  # the demo's version is small: read it once
            redacted = max(kept, default=None, key=_pii_found)
            if redacted and _pii_found(redacted):
                console.print(
                    f"\n[bold]A kept record after redaction[/] ({redacted.provenance.source_name} "
                    f"{_location(redacted.provenance.location)}):"
                )
                console.print(redacted.text[:400], markup=False, highlight=False)
            for media in kept:
                read = read_confidence(media)
                if read is None:
                    continue
                how = "OCR" if read.kind == "ocr" else "speech recognition"
                console.print(
                    f"\n[bold]Read by {how}[/] ({media.provenance.source_name} "
                    f"{_location(media.provenance.location) or 'whole image'}, confidence {read.value:.2f}):"
                )
                console.print(media.text[:300], markup=False, highlight=False)
            sample = kept[0] if kept else None
            where = f"{harbor.store.root}/{version.path}"
            console.print(f"\nVersion [bold]{DATASET}@v{version.number}[/] is in {where}")
            console.print(f"integrity root {version.integrity_root}")
            if sample:
                t = trace(s, harbor.store, sample.id)
                console.print(
                    f"\ntrace of {sample.id}: {t.file.get('name')} {t.record.provenance.location} "
                    f"via {t.record.provenance.extractor} → {t.to_dict()['decision']}"
                )
        console.print(
            f"\nExplore: dataharbor --home {home} records {DATASET} --dropped · "
            f"dataharbor --home {home} trace <record-id> · dataharbor --home {home} jobs {up.job_id}"
        )
    finally:
        harbor.close()


def _pii_found(record: Record) -> int:
    counts = (record.annotations.get("pii") or {}).get("counts") or {}
    return sum(int(n) for n in counts.values())


def _location(location: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in location.items())


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
