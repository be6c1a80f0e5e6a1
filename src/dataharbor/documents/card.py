"""A Hugging Face–compatible dataset card: README.md with YAML metadata and the card's sections, from the facts.

The card is written for an exported document folder — `README.md`, `croissant.json`, `datasheet.md` and the record
shards under `data/` — so `configs` names the shards as `data/records-NNNNN.parquet`, relative to the card.
"""

from __future__ import annotations

from typing import Any

import yaml

from dataharbor.documents import common
from dataharbor.documents.common import n
from dataharbor.documents.service import NOT_RECORDED, Facts
from dataharbor.domain.enums import Purpose

# SPDX ids whose Hugging Face licence id is not simply the lower-cased SPDX id.
HF_LICENSE_RENAMES = {"PDDL-1.0": "pddl", "ODC-By-1.0": "odc-by", "ODbL-1.0": "odbl", "GFDL-1.3-or-later": "gfdl"}
# Lower-cased SPDX ids that are on the Hub's licence list as they are.
HF_LICENSES = frozenset(
    {
        "cc0-1.0", "cc-by-3.0", "cc-by-4.0", "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-3.0", "cc-by-nc-4.0",
        "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0",
        "cdla-permissive-1.0", "cdla-permissive-2.0", "cdla-sharing-1.0", "mit", "apache-2.0", "bsd-2-clause",
        "bsd-3-clause", "unlicense", "etalab-2.0",
    }
)  # fmt: skip
# HF size_categories buckets: (upper bound exclusive, label)
SIZE_BUCKETS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
    (1_000_000_000, "100M<n<1B"),
    (10_000_000_000, "1B<n<10B"),
    (100_000_000_000, "10B<n<100B"),
    (1_000_000_000_000, "100B<n<1T"),
)
LICENCE_SECTION = "licensing-and-consent"  # the anchor `license_link` points at for custom licences


def size_category(records: int) -> str:
    for bound, label in SIZE_BUCKETS:
        if records < bound:
            return label
    return "n>1T"


def hf_license(spdx: str) -> dict[str, str]:
    """The card's licence keys: the Hub's id for a listed licence, else `other` with a name and a link."""
    if spdx in HF_LICENSE_RENAMES:
        return {"license": HF_LICENSE_RENAMES[spdx]}
    if spdx.lower() in HF_LICENSES:
        return {"license": spdx.lower()}
    if spdx.startswith("LicenseRef-"):
        # a custom agreement held by the partner: the card's licensing section states the terms the platform records
        return {"license": "other", "license_name": spdx.lower(), "license_link": f"#{LICENCE_SECTION}"}
    return {"license": "other", "license_name": spdx.lower(), "license_link": f"https://spdx.org/licenses/{spdx}.html"}


def task_categories(purposes: list[str]) -> tuple[list[str], list[str]]:
    """Task categories and ids from the allowed purposes. The records are plain text: a corpus allowed for training,
    fine-tuning or evaluation serves text generation; language modelling when (pre-)training is allowed. Research
    alone names no task."""
    cats = ["text-generation"] if {Purpose.TRAINING, Purpose.FINE_TUNING, Purpose.EVALUATION} & set(purposes) else []
    ids = ["language-modeling"] if Purpose.TRAINING.value in purposes else []
    return cats, ids


def metadata(f: Facts) -> dict[str, Any]:
    """The YAML front matter."""
    langs = common.languages(f)
    cats, ids = task_categories(common.purposes(f))
    meta: dict[str, Any] = {
        "pretty_name": f"{f.ref} v{f.version.get('number')}",
        **hf_license(str(f.dataset.get("license", ""))),
        "language": langs,
        "multilinguality": "multilingual" if len(langs) > 1 else "monolingual",
        "size_categories": [size_category(f.records)],
        "task_categories": cats,
        "task_ids": ids,
        "annotations_creators": ["machine-generated"],  # language, quality, PII and safety annotations of the pipeline
        "tags": _tags(f),
    }
    if not cats:
        del meta["task_categories"]
    if not ids:
        del meta["task_ids"]
    if not langs:
        del meta["language"], meta["multilinguality"]
    if f.private:
        meta["viewer"] = False  # sealed shards: nothing a viewer could read
    else:
        meta["configs"] = [
            {
                "config_name": "default",
                "default": True,
                "data_files": [{"split": "train", "path": [s.export_path for s in f.shards]}],
            }
        ]
    return meta


def _tags(f: Facts) -> list[str]:
    tags = ["dataharbor", f"{f.dataset.get('tier')}-tier", f"audit-{f.verdict.replace('_', '-')}"]
    tags += [f"modality-{r['key']}" for r in common.composition_rows(f, "modality")]
    if f.version.get("state") == "approved":
        tags.append("curator-approved")
    return tags


def render(f: Facts) -> str:
    front = yaml.safe_dump(metadata(f), sort_keys=False, allow_unicode=True, width=1000)
    return f"---\n{front}---\n\n" + "\n".join(_body(f)) + "\n"


def _bullets(lines: list[str]) -> list[str]:
    return [f"- {x}" for x in lines]


def _body(f: Facts) -> list[str]:
    comp = f.section("composition")
    ds = f.dataset
    out = [
        f"# {f.ref} (version {f.version.get('number')})",
        "",
        "## Dataset summary",
        "",
        str(ds.get("description") or "").strip() or f"The partner gave no description ({NOT_RECORDED}).",
        "",
        f"Contributed by the partner **{f.partner.get('name')}** ({f.partner.get('kind') or 'organisation'}"
        + (f", {f.partner['jurisdiction']}" if f.partner.get("jurisdiction") else "")
        + f"); {ds.get('tier')} tier; licence `{ds.get('license')}`. This version keeps {n(comp.get('records', 0))}"
        f" records: {n(comp.get('words', 0))} words, {n(comp.get('tokens', 0))} tokens ({comp.get('tokenizer', '')})"
        f" and {n(comp.get('bytes', 0))} bytes of text. Audit verdict: **{f.verdict}**;"
        f" state: `{f.version.get('state')}`.",
        "",
        *_table(f, "language"),
        "",
        *_table(f, "modality"),
        "",
        "## Dataset structure",
        "",
        *_structure(f),
        "",
        "## Uses",
        "",
        *_bullets(common.uses(f)),
        "",
        "### Out-of-scope uses",
        "",
        *_bullets(common.out_of_scope(f)),
        "",
        "## Dataset creation",
        "",
        "### Curation rationale",
        "",
        "The partner's uploads were extracted to text and passed through DataHarbor's pipeline; every record a stage"
        f" dropped is kept, with its reason, in the version's decisions table ({n(f.decisions_rows)} records)."
        f" {common.kept_summary(f)}.",
        "",
        *_bullets(common.stages(f)),
        "",
        "### Source data",
        "",
        f"{len(f.contributions)} contributions by {f.partner.get('name')}"
        f" ({n(sum(int(c['files']) for c in f.contributions))} files,"
        f" {n(sum(int(c['bytes']) for c in f.contributions))} bytes uploaded). Source file types:"
        f" {_counts(common.composition_rows(f, 'file_type'))}.",
        "",
        "## Personal and sensitive information",
        "",
        *_bullets(common.pii_lines(f)),
        "",
        "## Bias, risks and limitations",
        "",
        "### Bias",
        "",
        *_bullets(common.bias_lines(f)),
        "",
        "### Risks and limitations (the audit's findings)",
        "",
        *_bullets([common.safety_line(f), *common.limitation_lines(f)]),
        "",
        "## Licensing and consent",
        "",
        *_bullets([common.licence_line(f), common.consent_line(f), f"PII policy: `{ds.get('pii_policy')}`."]),
        "",
        "## Citation and provenance",
        "",
        *_bullets(common.provenance_lines(f)),
        "",
        "Reviews:",
        "",
        *_bullets(common.review_lines(f)),
        "",
        f"Citation: {f.partner.get('name')}, *{f.ref}*, version {f.version.get('number')}, DataHarbor,"
        f" integrity root `{str(f.version.get('integrity_root'))[:16]}…`.",
        "",
        f"*Generated by DataHarbor on {f.generated_at} from the version's audit report and catalog; nothing in it was"
        " written by hand.*",
    ]
    return out


def _table(f: Facts, dim: str) -> list[str]:
    rows = common.composition_rows(f, dim)
    if not rows:
        return [f"No kept record to count by {dim}."]
    head = "source modality" if dim == "modality" else dim
    return [
        f"| {head} | records | words | tokens |",
        "|---|---|---|---|",
        *[f"| {r['key']} | {n(r['records'])} | {n(r['words'])} | {n(r['tokens'])} |" for r in rows],
    ]


def _counts(rows: list[dict[str, Any]]) -> str:
    return ", ".join(f"{r['key']} {n(r['records'])}" for r in rows) or "none"


def _structure(f: Facts) -> list[str]:
    shards = [f"`{s.export_path}` ({n(s.rows)} records, {n(s.bytes)} bytes, sha256 `{s.sha256}`)" for s in f.shards]
    head = (
        "Parquet record shards (one split, `train`), relative to this card:"
        if not f.private
        else "Parquet record shards, **encrypted at rest** (private tier): they are not directly loadable; grant"
        " holders read the records through DataHarbor. Files as stored:"
    )
    return [
        head,
        "",
        *_bullets(shards or ["no record shard"]),
        "",
        "Columns: `id`, `text`, `modality`, `language`, `dataset_id`, `contribution_id`, `file_id`, `source_sha256`,"
        " `source_name`, `location` (JSON), `extractor`, `extractor_version`, `metadata` (JSON), `annotations` (JSON:"
        " language, quality signals, PII found, toxicity, duplicate cluster), `dropped_by`, `drop_reason`.",
    ]
