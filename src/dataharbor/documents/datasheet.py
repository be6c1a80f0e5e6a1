"""A datasheet for the dataset version (Gebru et al., "Datasheets for Datasets", CACM 2021) as Markdown.

Every answer comes from the facts; where the platform holds nothing (who funded the work, how the partner gathered
the material, …) the answer says "not recorded by the platform" instead of inventing one.
"""

from __future__ import annotations

from dataharbor.documents import common
from dataharbor.documents.common import n
from dataharbor.documents.service import NOT_RECORDED, Facts

NR = NOT_RECORDED.capitalize() + "."


def _qa(question: str, answer: str | list[str]) -> list[str]:
    lines = [f"**{question}**", ""]
    lines += [f"- {a}" for a in answer] if isinstance(answer, list) else [answer]
    return [*lines, ""]


def render(f: Facts) -> str:
    ds, v, comp = f.dataset, f.version, f.section("composition")
    err = f.section("errors")
    files = sum(int(c["files"]) for c in f.contributions)
    times = sorted(str(c["created_at"]) for c in f.contributions if c.get("created_at"))
    description = str(ds.get("description") or "").strip()
    dup = err.get("duplicates") or {}
    out = [
        f"# Datasheet: {f.ref}, version {v.get('number')}",
        "",
        "Sections and questions follow Gebru et al., *Datasheets for Datasets* (CACM 64(12), 2021). Answers come from"
        " the version's audit report and the platform's catalog.",
        "",
        "## Motivation",
        "",
        *_qa("For what purpose was the dataset created?", description or f"{NR} The partner's terms allow: "
             + (", ".join(common.purposes(f)) or "no purpose") + "."),
        *_qa("Who created the dataset and on behalf of which entity?",
             f"The partner {f.partner.get('name')} ({f.partner.get('kind') or 'organisation'}"
             + (f", {f.partner['jurisdiction']}" if f.partner.get("jurisdiction") else "")
             + ") contributed the material; DataHarbor's pipeline produced this version."),
        *_qa("Who funded the creation of the dataset?", NR),
        "## Composition",
        "",
        *_qa("What do the instances represent?",
             "Text records: one unit of training data read from a contributed file (a document, a page, a transcript"
             " segment), with its provenance and the pipeline's annotations."),
        *_qa("How many instances are there in total?",
             f"{n(comp.get('records', 0))} kept records ({n(comp.get('words', 0))} words,"
             f" {n(comp.get('tokens', 0))} tokens with {comp.get('tokenizer', '')}, {n(comp.get('bytes', 0))} bytes);"
             f" {n(f.decisions_rows)} dropped records are kept apart in the decisions table."),
        *_qa("What languages, modalities and source types does it hold?", [
            "By language: " + _counts(f, "language"),
            "By source modality: " + _counts(f, "modality"),
            "By source file type: " + _counts(f, "file_type"),
        ]),
        *_qa("Does the dataset contain all possible instances or is it a sample?",
             f"It holds what the partner uploaded, less what the pipeline dropped: {common.kept_summary(f)}."
             " Whether the uploads are a sample of a larger collection is " + NOT_RECORDED + "."),
        *_qa("Is there a label or target associated with each instance?",
             "No human labels. Machine annotations per record: " + (", ".join(
                 str(st.get("name")) for st in v.get("stages") or []) or "none") + "."),
        *_qa("Is any information missing from individual instances?", _missing(f)),
        *_qa("Are there recommended data splits?", "One split (`train`); the platform defines no other."),
        *_qa("Are there any errors, sources of noise, or redundancies?", [
            f"Duplicates dropped: {', '.join(f'{k} {n(x)}' for k, x in dup.items()) or 'none'}"
            f" (rate {float(err.get('duplicate_rate', 0)):.1%}).",
            f"Near-empty records: {n(err.get('near_empty_records', 0))}; mojibake repaired:"
            f" {n(err.get('mojibake_repaired', 0))}.",
            *[f"`{x['code']}`: {x['message']}" for x in common.findings(f, "errors")],
        ]),
        *_qa("Is the dataset self-contained?",
             "Yes: the Parquet shards hold the text; raw uploads stay in the platform's store for tracing."),
        *_qa("Does the dataset contain data that might be considered confidential?",
             f"Tier: {ds.get('tier')}. " + ("Private: confidential to the partner; encrypted at rest and served only"
                                            " under purpose-bound, logged grants." if f.private else
                                            "Open: published under an open licence.")),
        *_qa("Does the dataset contain data that, if viewed directly, might be offensive?", common.safety_line(f)),
        *_qa("Does the dataset identify any subpopulations, or individuals?", common.pii_lines(f)),
        *_qa("How are groups of people represented?", common.bias_lines(f)),
        "## Collection process",
        "",
        *_qa("How was the data acquired?",
             f"Uploaded by the partner in {len(f.contributions)} contributions ({n(files)} files); text extracted by"
             " DataHarbor's extractors (including OCR and speech recognition for scans and recordings)."),
        *_qa("What mechanisms or procedures were used to collect the data?",
             f"How the partner gathered the material: {NOT_RECORDED}."),
        *_qa("Over what timeframe was the data collected?",
             f"Uploads between {times[0]} and {times[-1]}; the creation dates of the material itself are"
             f" {NOT_RECORDED}." if times else NR),
        *_qa("Who was involved in the data collection process and how were they compensated?", NR),
        *_qa("Were any ethical review processes conducted?",
             "The platform's audit and curator review (below); any other ethical review is " + NOT_RECORDED + "."),
        *_qa("Did the individuals concerned consent? What is the lawful basis?", common.consent_line(f)),
        *_qa("Has an analysis of the potential impact on data subjects been conducted?",
             "The audit's personal-data section (above); a data protection impact assessment is " + NOT_RECORDED + "."),
        "## Preprocessing, cleaning, labeling",
        "",
        *_qa("Was any preprocessing, cleaning or labeling done?", [*common.stages(f), common.kept_summary(f) + "."]),
        *_qa("Was the raw data saved in addition to the preprocessed data?",
             "Yes: raw uploads are immutable in the platform's blob store (content-addressed by SHA-256"
             + (", encrypted" if f.private else "") + "), and every dropped record is kept with its reason."),
        *_qa("Is the software used to preprocess the data available?",
             f"DataHarbor; pipeline configuration hash `{v.get('config_hash')}` records the stages and parameters."),
        "## Uses",
        "",
        *_qa("For what tasks may the dataset be used?", common.uses(f)),
        *_qa("Are there tasks for which the dataset should not be used?", common.out_of_scope(f)),
        *_qa("Is there anything about the composition or processing that might impact future uses?",
             common.limitation_lines(f)),
        *_qa("Has the dataset been used for any tasks already?",
             "Reads and exports are recorded in the platform's audit log (`dataharbor usage`); this datasheet does not"
             " list them."),
        "## Distribution",
        "",
        *_qa("How will the dataset be distributed?",
             "Through DataHarbor: " + ("openly, as Parquet shards with this datasheet, a dataset card and Croissant"
                                       " metadata." if not f.private else "only to holders of a live grant, for the"
                                       " granted purpose; every read is logged.")),
        *_qa("Under what licence or terms of use?", common.licence_line(f)),
        *_qa("Have any third parties imposed restrictions?", NR),
        "## Maintenance",
        "",
        *_qa("Who maintains the dataset?", f"The partner {f.partner.get('name')}, on the DataHarbor platform."),
        *_qa("How can the owner be contacted?", f"Through the platform; the partner's contact is {NOT_RECORDED} here."),
        *_qa("Will the dataset be updated?",
             f"Each contribution or withdrawal produces a new immutable version; this dataset has"
             f" {f.extra.get('versions_of_dataset', 1)} version(s)."),
        *_qa("Are there limits on the retention of the data?",
             f"Retention: {n(ds['retention_days'])} days." if ds.get("retention_days") is not None else
             f"Retention period: {NOT_RECORDED}."),
        *_qa("How are withdrawals handled?",
             "A partner withdraws a contribution or the dataset: its keys are destroyed, its blobs deleted, a new"
             " version is made without its records, mixtures built from it are flagged, and a deletion receipt"
             " is issued."),
        *_qa("What review did this version pass?", [*common.provenance_lines(f), *common.review_lines(f)]),
        f"*Generated by DataHarbor on {f.generated_at}.*",
    ]  # fmt: skip
    return "\n".join(out) + "\n"


def _counts(f: Facts, dim: str) -> str:
    rows = common.composition_rows(f, dim)
    return ", ".join(f"{r['key']} {n(r['records'])}" for r in rows) or "none"


def _missing(f: Facts) -> list[str]:
    err = f.section("errors")
    lang = f.section("composition").get("by", {}).get("language", [])
    und = sum(int(r["records"]) for r in lang if r.get("key") == "und")
    return [
        f"Records whose language was not identified: {n(und)}.",
        f"Files that could not be read: {n(len(err.get('failed_files') or []))}"
        + (
            " (" + ", ".join(f"{k} {n(x)}" for k, x in (err.get("failed_by_reason") or {}).items()) + ")"
            if err.get("failed_by_reason")
            else ""
        )
        + ".",
        f"Files read with no text: {n(len(err.get('empty_extractions') or []))}.",
    ]
