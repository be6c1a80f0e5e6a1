"""Croissant 1.1 JSON-LD with the Responsible AI (RAI) vocabulary, from the facts.

Layout: the JSON-LD sits in an exported document folder and names the record shards relative to itself
(`data/records-NNNNN.parquet`): one `cr:FileObject` per shard with its SHA-256 (integrity, as in the version's
manifest), and one `cr:FileSet` (`data/records-*.parquet`) that the `records` RecordSet reads its fields from, one
field per Parquet column. A private version's shards are sealed (AES-GCM): the files are listed, described as
encrypted and not directly loadable, and the usage conditions say access is purpose-bound and logged.

`validate` and `load_records` run mlcroissant offline: the @context is inline, so nothing is fetched.
"""

from __future__ import annotations

import importlib
import json
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from dataharbor.documents import common
from dataharbor.documents.service import DATA_DIR, Facts
from dataharbor.store.shards import RECORD_SCHEMA

CROISSANT_1_1 = "http://mlcommons.org/croissant/1.1"
RAI_1_0 = "http://mlcommons.org/croissant/RAI/1.0"
RECORD_SET = "records"
FILE_SET = "record-shards"
PARQUET = "application/x-parquet"
SEALED = "application/octet-stream"
# The standard Croissant 1.1 @context (as mlcroissant writes it), with the RAI prefix.
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
COLUMN_WORDS = {
    "id": "Record id (stable; `dataharbor trace ID` follows it back to its source)",
    "text": "The record's text (redacted according to the PII policy when a pii stage ran)",
    "modality": "Modality of the source the text was read from (text, document, image, audio, video)",
    "language": "Language identified by the pipeline (ISO 639 code), empty when not identified",
    "dataset_id": "Catalog id of the dataset",
    "contribution_id": "Catalog id of the contribution (upload batch) the record came from",
    "file_id": "Catalog id of the source file",
    "source_sha256": "SHA-256 of the source file as uploaded",
    "source_name": "Path of the source file as uploaded",
    "location": "Where in the source file the record was read (JSON: archive member, page, time span)",
    "extractor": "Extractor that read the text",
    "extractor_version": "Version of the extractor",
    "metadata": "Record metadata (JSON)",
    "annotations": "Pipeline annotations (JSON: language, quality signals, PII found, toxicity, duplicate cluster)",
    "dropped_by": "Empty for kept records (the decisions table holds dropped ones)",
    "drop_reason": "Empty for kept records",
}


def _data_type(t: pa.DataType) -> str:
    if pa.types.is_integer(t):
        return "sc:Integer"
    if pa.types.is_floating(t):
        return "sc:Float"
    if pa.types.is_boolean(t):
        return "sc:Boolean"
    return "sc:Text"


def _license(f: Facts) -> Any:
    spdx = str(f.dataset.get("license", ""))
    if spdx.startswith("LicenseRef-"):
        return {
            "@type": "sc:CreativeWork",
            "name": spdx,
            "description": "A custom agreement between the partner and the platform. " + common.licence_line(f),
        }
    return f"https://spdx.org/licenses/{spdx}.html"


def usage_conditions(f: Facts) -> str:
    allowed = ", ".join(common.purposes(f)) or "none"
    if f.private:
        return (
            f"Private tier. Access is purpose-bound and logged: only principals holding a live grant from the partner"
            f" may read the records, for the granted purpose only (allowed purposes: {allowed}); every read is written"
            " to the platform's hash-chained audit log. The shards are encrypted at rest and are not directly loadable."
        )
    return (
        f"Open tier: anyone may use the data under the licence {f.dataset.get('license')}; allowed purposes: {allowed};"
        f" redistribution {'allowed' if f.dataset.get('redistribution') else 'not allowed'}."
    )


def to_jsonld(f: Facts, url: str | None = None) -> dict[str, Any]:
    v, ds = f.version, f.dataset
    approvals = [r for r in f.reviews if r.get("decision") == "approve"]
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": [CROISSANT_1_1, RAI_1_0],
        "name": f"{f.ref.replace('/', '-')}-v{v.get('number')}",
        "description": str(ds.get("description") or "").strip()
        or f"{f.ref} version {v.get('number')}: {f.records} records contributed by {f.partner.get('name')}"
        " to DataHarbor.",
        "version": f"{v.get('number')}.0.0",
        "creator": {"@type": "sc:Organization", "name": f.partner.get("name")},
        "license": _license(f),
        "usageInfo": usage_conditions(f),
        "conditionsOfAccess": usage_conditions(f),
        "isAccessibleForFree": not f.private,
        "inLanguage": common.languages(f),
        "keywords": ["dataharbor", f"{ds.get('tier')} tier", f"audit {f.verdict}", *common.purposes(f)],
        "dateCreated": v.get("created_at"),
        "citeAs": f"{f.partner.get('name')}. {f.ref}, version {v.get('number')}. DataHarbor. Integrity root"
        f" {v.get('integrity_root')}.",
        "distribution": _distribution(f),
        "recordSet": [_record_set(f)],
        **_rai(f),
    }
    if approvals:
        doc["datePublished"] = approvals[-1].get("created_at")
    if url:
        doc["url"] = url
    return doc


def _distribution(f: Facts) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in f.shards:
        desc = f"Record shard: {s.rows} records."
        if s.sealed:
            desc += (
                " Encrypted at rest (Parquet sealed with the contribution's AES-GCM data key): not directly loadable;"
                " the SHA-256 is of the file as stored. Grant holders read the records through DataHarbor."
            )
        out.append(
            {
                "@type": "cr:FileObject",
                "@id": s.name,
                "name": s.name,
                "description": desc,
                "contentUrl": s.export_path,
                "contentSize": f"{s.bytes} B",
                "encodingFormat": SEALED if s.sealed else PARQUET,
                "sha256": s.sha256,
            }
        )
    out.append(
        {
            "@type": "cr:FileSet",
            "@id": FILE_SET,
            "name": FILE_SET,
            "description": "All record shards of the version"
            + (" (encrypted: the schema below is that of the decrypted Parquet)." if f.private else "."),
            "encodingFormat": SEALED if f.private else PARQUET,
            "includes": f"{DATA_DIR}/records-*.parquet",
        }
    )
    return out


def _record_set(f: Facts) -> dict[str, Any]:
    return {
        "@type": "cr:RecordSet",
        "@id": RECORD_SET,
        "name": RECORD_SET,
        "description": "Kept records of the version, one per row of the Parquet shards.",
        "key": {"@id": f"{RECORD_SET}/id"},
        "field": [
            {
                "@type": "cr:Field",
                "@id": f"{RECORD_SET}/{col.name}",
                "name": col.name,
                "description": COLUMN_WORDS.get(col.name, col.name),
                "dataType": _data_type(col.type),
                "source": {"fileSet": {"@id": FILE_SET}, "extract": {"column": col.name}},
            }
            for col in RECORD_SCHEMA
        ],
    }


def _rai(f: Facts) -> dict[str, Any]:
    contribs = f.contributions
    files = sum(int(c["files"]) for c in contribs)
    err = f.section("errors")
    times = [str(c["created_at"]) for c in contribs if c.get("created_at")]
    failed = err.get("failed_by_reason") or {}
    ann = [
        f"Machine annotations only (no human labelling): {name} stage v{st.get('version')}"
        for st in f.version.get("stages") or []
        if (name := str(st.get("name"))) in ("language", "quality", "pii", "safety", "dedup", "confidence")
    ]
    out: dict[str, Any] = {
        "rai:dataCollection": (
            f"Uploaded by the partner {f.partner.get('name')} in {len(contribs)} contributions ({files} files); text"
            " extracted by DataHarbor's extractors (text, HTML, PDF, office formats, OCR for scans, speech recognition"
            " for recordings and videos). How the partner itself gathered the material is not recorded by the platform."
        ),
        "rai:dataCollectionRawData": (
            "Raw uploads are kept immutable in the platform's blob store, content-addressed by SHA-256"
            + (" and encrypted" if f.private else "")
            + "; every record names its source file's hash and its location in it."
        ),
        "rai:dataCollectionMissingData": (
            f"{err.get('files', 0)} files: "
            + (", ".join(f"{k} {v}" for k, v in (err.get("files_by_status") or {}).items()) or "none")
            + (
                ". Files that could not be read, by reason: " + ", ".join(f"{k} {v}" for k, v in failed.items())
                if failed
                else ""
            )
            + "."
        ),
        "rai:dataPreprocessingProtocol": [*common.stages(f), common.kept_summary(f)],
        "rai:dataManipulationProtocol": " ".join(common.pii_lines(f)[:1] + common.pii_lines(f)[3:4]),
        "rai:dataBiases": common.bias_lines(f),
        "rai:dataLimitations": [common.safety_line(f), *common.limitation_lines(f)],
        "rai:dataUseCases": [*common.uses(f), *(f"Out of scope: {x}" for x in common.out_of_scope(f))],
        "rai:personalSensitiveInformation": common.pii_lines(f),
        "rai:dataReleaseMaintenancePlan": (
            "Versions are immutable; new contributions and withdrawals produce new versions. A withdrawal destroys the"
            " contribution's keys (crypto-shredding), deletes its blobs and flags every mixture built from it; the"
            " partner receives a deletion receipt."
            + (
                f" Retention: {f.dataset['retention_days']} days."
                if f.dataset.get("retention_days") is not None
                else " Retention period: not recorded by the platform."
            )
        ),
    }
    if times:
        out["rai:dataCollectionTimeFrame"] = [min(times), max(times)]
    if ann:
        out["rai:dataAnnotationProtocol"] = ann
        out["rai:machineAnnotationTools"] = [
            f"DataHarbor {st.get('name')} stage v{st.get('version')}" for st in f.version.get("stages") or []
        ]
    return out


def render(f: Facts, url: str | None = None) -> str:
    return json.dumps(to_jsonld(f, url), indent=2, ensure_ascii=False) + "\n"


# --- mlcroissant (offline) ----------------------------------------------------------------------------------------


@contextmanager
def _quiet() -> Iterator[None]:
    """mlcroissant's own deprecation warnings (rdflib, pandas) and absl log lines stay out of the caller's output;
    its issues are returned instead."""
    absl = logging.getLogger("absl")
    level = absl.level
    absl.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        absl.setLevel(level)


def _mlcroissant() -> Any:
    # imported on use: ~1.5 s, and only validation and loading need it
    return importlib.import_module("mlcroissant")


def validate(doc: Path | dict[str, Any]) -> tuple[list[str], list[str]]:
    """Errors and warnings mlcroissant reports for a JSON-LD file or dict (the files it names need not exist)."""
    mlc = _mlcroissant()
    with _quiet():
        try:
            ds = mlc.Dataset(jsonld=doc)
        except mlc.ValidationError as exc:
            return [str(exc)], []
        issues = ds.metadata.ctx.issues
        return sorted(str(e) for e in issues.errors), sorted(str(w) for w in issues.warnings)


def load_records(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Records of the `records` RecordSet read through mlcroissant from the shards next to the JSON-LD at `path`
    (open versions exported with their data)."""
    mlc = _mlcroissant()
    out: list[dict[str, Any]] = []
    with _quiet():
        for rec in mlc.Dataset(jsonld=path).records(RECORD_SET):
            out.append({k.split("/", 1)[1]: (v.decode() if isinstance(v, bytes) else v) for k, v in rec.items()})
            if limit is not None and len(out) >= limit:
                break
    return out
