"""The public summary of training content (EU AI Act, Art. 53(1)(d)) for a set of approved versions, laid out as the
European Commission's "Template for the Public Summary of Training Content for general-purpose AI models" (Annex to
the Explanatory Notice, C(2025) 5235 final, 24 July 2025; re-adopted as a Communication, C(2025) 8311 final,
5 December 2025): 1. general information, 2. list of data sources, 3. data processing aspects. JSON for machines,
Markdown for publication. Section numbers, headings and questions below are the template's.

The summary describes the content supplied through DataHarbor only. What the template asks of the provider that the
platform cannot know (its contact, the model's release, its crawlers, user data, other sources, whether it signed the
Code of Practice) is written as "to be completed by the provider"; what the platform could know but does not record
(whether a partner's material was scraped, paid for, synthetic) says "not recorded by the platform". Private datasets
are described by partner and licence with aggregate sizes only: never their names, never their text.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from dataharbor.documents import common
from dataharbor.documents.common import n
from dataharbor.documents.service import NOT_RECORDED, Facts

SCHEMA = "dataharbor.ai-act-summary/2"
TEMPLATE = (
    "European Commission, Template for the Public Summary of Training Content for general-purpose AI models required"
    " by Article 53(1)(d) of Regulation (EU) 2024/1689 (AI Act), Annex to the Explanatory Notice C(2025) 5235 final"
    " of 24 July 2025"
)
TO_COMPLETE = "to be completed by the provider"
SCOPE = (
    "This summary covers the training content supplied through DataHarbor: the approved dataset versions listed in"
    " section 2. Content the provider obtained by other means is " + TO_COMPLETE + "."
)
# Template section 1.3, "Training data size": three ranges per modality (low, high, labels); the middle range
# includes both bounds ("1 billion to 10 trillion"). The template prints some labels with spacing slips
# ("1billion to 10 trillions tokens", "1Million to1 billion images", "10 000 to1 million hours"): the wording and
# its "10 000" thousands separator are kept, the spacing repaired.
SIZE_RANGES: dict[str, tuple[float, float, tuple[str, str, str]]] = {
    "text": (1e9, 1e13, ("Less than 1 billion tokens", "1 billion to 10 trillion tokens",
                         "More than 10 trillion tokens")),
    "image": (1e6, 1e9, ("Less than 1 million images", "1 million to 1 billion images",
                         "More than 1 billion images")),
    "audio": (1e4, 1e6, ("Less than 10 000 hours", "10 000 to 1 million hours", "More than 1 million hours")),
    "video": (1e4, 1e6, ("Less than 10 000 hours", "10 000 to 1 million hours", "More than 1 million hours")),
}  # fmt: skip
MODALITIES = ("text", "image", "audio", "video", "other")  # template 1.3, "Modality"
# the record modality (where the text was read from) -> how the platform turned it into text
SOURCE_WORDS = {
    "text": "text files",
    "document": "documents (PDF, office, e-books, HTML)",
    "image": "images and scanned pages, read by OCR",
    "audio": "audio recordings, transcribed by speech recognition",
    "video": "videos (soundtrack transcribed, on-screen text read by OCR)",
}
_NOT_TEXT = {
    "image": "No images enter training; text read from them by OCR is counted as text.",
    "audio": "No audio enters training; transcripts are counted as text.",
    "video": "No video enters training; transcripts and on-screen text are counted as text.",
    "other": "None.",
}


def size_range(modality: str, amount: float) -> str:
    low, high, labels = SIZE_RANGES[modality]
    if amount < low:
        return labels[0]
    return labels[1] if amount <= high else labels[2]


def _entry(f: Facts) -> dict[str, Any]:
    comp = f.section("composition")
    return {
        "records": int(comp.get("records", 0)),
        "tokens": int(comp.get("tokens", 0)),
        "bytes": int(comp.get("bytes", 0)),
        "languages": common.languages(f),
        "licence": f.dataset.get("license"),
    }


def _source(f: Facts) -> str:
    return f.label if not f.private else f"private dataset of {f.partner.get('name')}"


def _yes_no(used: bool) -> str:
    return "Yes" if used else "No"


def summary(facts: list[Facts], provider: str | None = None, model: str | None = None) -> dict[str, Any]:
    totals = {"records": 0, "tokens": 0, "bytes": 0}
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: {"records": 0, "tokens": 0, "bytes": 0})
    by_lang: dict[str, dict[str, int]] = defaultdict(lambda: {"records": 0, "tokens": 0})
    for f in facts:
        e = _entry(f)
        for k in totals:
            totals[k] += e[k]
        for r in common.composition_rows(f, "modality"):
            for k in ("records", "tokens", "bytes"):
                by_source[str(r["key"])][k] += int(r.get(k, 0))
        for r in common.composition_rows(f, "language"):
            for k in ("records", "tokens"):
                by_lang[str(r["key"])][k] += int(r.get(k, 0))
    uploads = [str(c["created_at"]) for f in facts for c in f.contributions if c.get("created_at")]
    languages = [{"language": k, **v} for k, v in sorted(by_lang.items(), key=lambda kv: -kv[1]["records"])]
    now = datetime.now(UTC).replace(microsecond=0)
    text_used = totals["records"] > 0
    return {
        "schema": SCHEMA,
        "template": TEMPLATE,
        "scope": SCOPE,
        "generated_at": now.isoformat(),
        "version_of_the_summary": TO_COMPLETE,
        "last_update": now.date().isoformat(),
        "versions": [_source(f) for f in facts],
        "general_information": {
            # 1.1 Provider identification
            "provider": {"name": provider or TO_COMPLETE, "contact": TO_COMPLETE},
            "authorised_representative": TO_COMPLETE + " (providers established outside the Union, Art. 54)",
            # 1.2 Model identification
            "model": {
                "versioned_names": [model] if model else TO_COMPLETE,
                "dependencies": TO_COMPLETE,
                "date_of_placement_on_the_union_market": TO_COMPLETE,
            },
            # 1.3 Modalities, overall training data size and other characteristics
            "modalities": {
                "text": {
                    "used": text_used,
                    "training_data_size": size_range("text", totals["tokens"]),
                    "size_in_other_units": totals,  # "alternatively, specify the approximate size ..."
                    "types_of_content": "Text contributed by partner organisations (documents, scans, recordings"
                    " and videos read to text), cleaned, filtered and deduplicated by DataHarbor's pipeline.",
                },
                **{
                    m: {"used": False, "training_data_size": None, "types_of_content": _NOT_TEXT[m]}
                    for m in MODALITIES[1:]
                },
            },
            "text_by_source_modality": [
                {"source": k, "how": SOURCE_WORDS.get(k, k), **v} for k, v in sorted(by_source.items())
            ],
            "latest_date_of_data_acquisition": {
                "last_upload_to_the_platform": max(uploads)[:10] if uploads else NOT_RECORDED,
                "for_model_training": TO_COMPLETE,
                "continuously_trained_on_new_data_after_it": TO_COMPLETE,
            },
            "linguistic_characteristics": {
                "languages": languages,
                "method": "language identified per record by DataHarbor's language stage",
            },
            "other_characteristics": "The partners and jurisdictions of the sources are listed in section 2; the"
            " knowledge cutoff of the material itself is " + NOT_RECORDED + ".",
        },
        "data_sources": _sources(facts),
        "data_processing": _processing(facts),
    }


def _sources(facts: list[Facts]) -> dict[str, Any]:
    public = [
        {
            "dataset": f.ref,
            "version": f.version.get("number"),
            "partner": f.partner.get("name"),
            **_entry(f),
            "integrity_root": f.version.get("integrity_root"),
            "audit_verdict": f.verdict,
        }
        for f in facts
        if not f.private
    ]
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for f in facts:
        if not f.private:
            continue
        key = (str(f.partner.get("name")), str(f.dataset.get("license")))
        g = grouped.setdefault(
            key,
            {"partner": key[0], "licence": key[1], "jurisdiction": f.partner.get("jurisdiction") or NOT_RECORDED,
             "versions": 0, "records": 0, "tokens": 0, "bytes": 0, "languages": [], "purposes": []},
        )  # fmt: skip
        e = _entry(f)
        g["versions"] += 1
        for k in ("records", "tokens", "bytes"):
            g[k] += e[k]
        g["languages"] = list(dict.fromkeys(g["languages"] + e["languages"]))
        g["purposes"] = list(dict.fromkeys(g["purposes"] + common.purposes(f)))
    for g in grouped.values():
        g["range"] = size_range("text", g["tokens"])
    private = list(grouped.values())
    return {
        # 2.1 Publicly available datasets
        "publicly_available_datasets": {
            "used": bool(public),
            "modalities": ["text"] if public else [],
            "datasets": public,
            "note": "Every open-tier version is listed; which of them are 'large' in the template's sense is "
            + TO_COMPLETE
            + ".",
        },
        # 2.2 Private non-publicly available datasets obtained from third parties
        "private_datasets_from_third_parties": {
            "used": bool(private),
            "modalities": ["text"] if private else [],
            "by_partner_and_licence": private,
            "note": "Obtained from the partner named, under the licence or agreement named; the datasets' names are"
            " not public and are not disclosed.",
            # 2.2.1 / 2.2.2: which kind of agreement each licence is, the platform does not record
            "commercially_licensed_by_rightsholders": (
                f"{TO_COMPLETE}: whether these agreements are transactional commercial licences with the rightsholders"
                f" or their representatives (2.2.1) or not (2.2.2); whether a partner is the rightsholder and whether"
                f" the licence was paid for are {NOT_RECORDED}."
            )
            if private
            else "No (none supplied through DataHarbor).",
        },
        # 2.3 Data crawled and scraped from online sources
        "crawled_and_scraped": {
            "crawlers_used_by_the_platform": False,
            "crawlers_used_by_the_provider": TO_COMPLETE,
            "crawler_names_purposes_behaviour_period_and_top_domains": TO_COMPLETE + " (if crawlers were used)",
            "partners_scraped_content": "Whether partners' contributions hold content they scraped is "
            + NOT_RECORDED
            + ".",
        },
        # 2.4 User data
        "user_data": {
            "collected_by_the_platform": False,
            "from_the_providers_model_or_other_services": TO_COMPLETE,
        },
        # 2.5 Synthetic data
        "synthetic_data": {
            "generated_by_the_platform": False,
            "generated_by_or_for_the_provider": TO_COMPLETE,
            "in_partners_contributions": "Whether contributions hold synthetic text is " + NOT_RECORDED + ".",
        },
        # 2.6 Other sources of data
        "other_sources": {"through_the_platform": False, "by_the_provider": TO_COMPLETE},
    }


def _processing(facts: list[Facts]) -> dict[str, Any]:
    per_dataset = []
    for f in facts:
        stages = [str(st.get("name")) for st in f.version.get("stages") or []]
        saf, pii = f.section("safety"), f.section("pii")
        per_dataset.append(
            {
                "source": _source(f),
                "lawful_basis_or_consent": str(f.dataset.get("consent") or "").strip() or NOT_RECORDED,
                "licence": f.dataset.get("license"),
                "safety_stage": "safety" in stages,
                "flagged_kept": int(saf.get("flagged_kept", 0)),
                "dropped_as_inappropriate": int(saf.get("dropped", 0)),
                "pii_policy": pii.get("policy", f.dataset.get("pii_policy")),
                "pii_stage": "pii" in stages,
                "records_redacted": int(pii.get("records_redacted", 0)),
                "records_dropped_for_pii": int(pii.get("records_dropped", 0)),
                "residual_pii_flagged": int((pii.get("residual") or {}).get("records_flagged", 0)),
                "audit_verdict": f.verdict,
                "audit_errors": [x["code"] for x in f.findings if x.get("severity") == "error"],
                "approved": [
                    # a curator's comment on a private dataset may speak of its content: only who and when
                    {"by": r.get("reviewer"), "at": r.get("created_at")}
                    | ({} if f.private else {"comment": r.get("comment")})
                    for r in f.reviews
                    if r.get("decision") == "approve"
                ],
            }
        )
    return {
        # 3.1 Respect of reservation of rights from text and data mining exception or limitation
        "tdm_opt_out": {
            "code_of_practice_signatory": TO_COMPLETE,
            "measures": "All content comes from partners who contributed it under the licence and terms recorded for"
            " each dataset (lawful basis or consent evidence in 3.2); the platform neither crawls nor reads"
            " robots.txt or other machine-readable reservations. Whether a partner's material was itself gathered"
            " with respect to text-and-data-mining opt-outs is "
            + NOT_RECORDED
            + "; the provider's own measures are "
            + TO_COMPLETE
            + ".",
        },
        # 3.2 Removal of illegal content
        "illegal_content": {
            "measures": "Every version went through DataHarbor's pipeline and audit, and a curator approved it: the"
            " safety stage (where the profile has one) scores inappropriate content and drops or flags it; the audit's"
            " verdict and the curator's review are recorded per version below. Detection of other illegal content"
            " (e.g. copyright infringement within a partner's material) is " + NOT_RECORDED + ".",
            "per_source": per_dataset,
        },
        # 3.3 Other information (optional)
        "other_information": "Personal data is handled according to each dataset's PII policy (counts per source in"
        " 3.2). Pipeline stages per source: "
        + "; ".join(
            f"{_source(f)}: {', '.join(str(st.get('name')) for st in f.version.get('stages') or []) or 'none'}"
            for f in facts
        )
        + ".",
    }


def _lang(code: str) -> str:
    return "not identified" if code in ("und", "") else code


def _names(value: Any) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def render_markdown(s: dict[str, Any]) -> str:
    g, src, proc = s["general_information"], s["data_sources"], s["data_processing"]
    text = g["modalities"]["text"]
    size = text["size_in_other_units"]
    acq, lingo = g["latest_date_of_data_acquisition"], g["linguistic_characteristics"]
    out = [
        "# Public Summary of Training Content for General-Purpose AI models",
        "",
        f"Following the {s['template']}. Generated by DataHarbor on {s['generated_at']} from the audited, approved"
        " versions listed in section 2.",
        "",
        s["scope"],
        "",
        f"Version of the Summary: {s['version_of_the_summary']}",
        "",
        f"Last update: {s['last_update']}",
        "",
        "## 1. General information",
        "",
        "### 1.1. Provider identification",
        "",
        f"- Provider name and contact details: {g['provider']['name']}; contact {g['provider']['contact']}",
        f"- Authorised representative name and contact details: {g['authorised_representative']}",
        "",
        "### 1.2. Model identification",
        "",
        f"- Versioned model name(s): {_names(g['model']['versioned_names'])}",
        f"- Model dependencies: {g['model']['dependencies']}",
        f"- Date of placement of the model on the Union market: {g['model']['date_of_placement_on_the_union_market']}",
        "",
        "### 1.3. Modalities, overall training data size and other characteristics",
        "",
        "| Modality | Training data size | Types of content |",
        "|---|---|---|",
        f"| Text: {_yes_no(text['used'])} | {text['training_data_size']} ({n(size['tokens'])} tokens,"
        f" {n(size['records'])} records, {n(size['bytes'])} bytes) | {text['types_of_content']} |",
        *[
            f"| {m.capitalize()}: {_yes_no(v['used'])} | — | {v['types_of_content']} |"
            for m, v in g["modalities"].items()
            if m != "text"
        ],
        "",
        "Text by the modality it was read from:",
        "",
        *[f"- {r['how']}: {n(r['records'])} records, {n(r['tokens'])} tokens" for r in g["text_by_source_modality"]],
        "",
        f"Latest date of data acquisition/collection for model training: {acq['for_model_training']} (last upload"
        f" to the platform of these versions: {acq['last_upload_to_the_platform']}). Continuously trained on new"
        f" data after that date: {acq['continuously_trained_on_new_data_after_it']}.",
        "",
        "Description of the linguistic characteristics of the overall training data: "
        + (
            ", ".join(f"{_lang(r['language'])} ({n(r['records'])} records)" for r in lingo["languages"])
            or "none"
        )
        + f" ({lingo['method']}).",
        "",
        f"Other relevant characteristics of the overall training data: {g['other_characteristics']}",
        "",
        "## 2. List of data sources",
        "",
        "### 2.1. Publicly available datasets",
        "",
    ]  # fmt: skip
    pub = src["publicly_available_datasets"]
    out.append(f"Have you used publicly available datasets to train the model? {_yes_no(pub['used'])}")
    if pub["used"]:
        out += [
            "",
            f"Modality(ies) of the content covered: {', '.join(pub['modalities'])}",
            "",
            "| dataset | version | partner | licence | records | tokens | languages |",
            "|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {d['dataset']} | {d['version']} | {d['partner']} | {d['licence']} | {n(d['records'])} |"
            f" {n(d['tokens'])} | {', '.join(d['languages']) or '—'} |"
            for d in pub["datasets"]
        ]
        out += ["", pub["note"]]
    priv = src["private_datasets_from_third_parties"]
    out += ["", "### 2.2. Private non-publicly available datasets obtained from third parties", ""]
    if priv["used"]:
        out += ["| partner | licence | versions | size range | tokens | languages |", "|---|---|---|---|---|---|"]
        out += [
            f"| {d['partner']} | {d['licence']} | {d['versions']} | {d['range']} | {n(d['tokens'])} |"
            f" {', '.join(d['languages']) or '—'} |"
            for d in priv["by_partner_and_licence"]
        ]
        out += ["", priv["note"]]
    else:
        out.append("None supplied through DataHarbor.")
    out += [
        "",
        "#### 2.2.1. Datasets commercially licensed by rightsholders or their representatives",
        "",
        "Have you concluded transactional commercial licensing agreement(s) with rightsholder(s) or with their"
        f" representatives? {priv['commercially_licensed_by_rightsholders']}",
        "",
        "#### 2.2.2. Private datasets obtained from other third parties",
        "",
        "Have you obtained private datasets from third parties that are not licensed as described in Section 2.2.1?"
        + (" See 2.2.1." if priv["used"] else " No (none supplied through DataHarbor)."),
    ]
    cr, ud, sd, other = src["crawled_and_scraped"], src["user_data"], src["synthetic_data"], src["other_sources"]
    out += [
        "",
        "### 2.3. Data crawled and scraped from online sources",
        "",
        f"Were crawlers used by the provider or on its behalf? DataHarbor used none to collect these versions;"
        f" the provider's: {cr['crawlers_used_by_the_provider']}. Crawler names, purposes, behaviour, period of"
        f" collection and most relevant domain names: {cr['crawler_names_purposes_behaviour_period_and_top_domains']}."
        f" {cr['partners_scraped_content']}",
        "",
        "### 2.4. User data",
        "",
        "Was data from user interactions with the AI model, or with the provider's other services or products, used"
        " to train the model? DataHarbor collects none; the provider's: "
        + ud["from_the_providers_model_or_other_services"]
        + ".",
        "",
        "### 2.5. Synthetic data",
        "",
        "Was synthetic AI-generated data created by the provider or on their behalf to train the model? DataHarbor"
        f" generated none; the provider's: {sd['generated_by_or_for_the_provider']}. {sd['in_partners_contributions']}",
        "",
        "### 2.6. Other sources of data",
        "",
        "Have data sources other than those described in Sections 2.1 to 2.5 been used to train the model? None"
        f" through DataHarbor; the provider's: {other['by_the_provider']}.",
        "",
        "## 3. Data processing aspects",
        "",
        "### 3.1. Respect of reservation of rights from text and data mining exception or limitation",
        "",
        "Are you a Signatory to the Code of Practice for general-purpose AI models? "
        + proc["tdm_opt_out"]["code_of_practice_signatory"]
        + ".",
        "",
        proc["tdm_opt_out"]["measures"],
        "",
        "### 3.2. Removal of illegal content",
        "",
        proc["illegal_content"]["measures"],
        "",
        "| source | lawful basis / consent | safety stage | flagged kept | dropped (safety) | PII policy | redacted |"
        " dropped (PII) | audit | approved by |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for d in proc["illegal_content"]["per_source"]:
        approved = "; ".join(f"{a['by']} ({a['at']})" for a in d["approved"]) or "—"
        basis = str(d["lawful_basis_or_consent"]).replace("|", "\\|").replace("\n", " ")
        out.append(
            f"| {d['source']} | {basis} | {'yes' if d['safety_stage'] else 'no'} | {n(d['flagged_kept'])} |"
            f" {n(d['dropped_as_inappropriate'])} | {d['pii_policy']} | {n(d['records_redacted'])} |"
            f" {n(d['records_dropped_for_pii'])} | {d['audit_verdict']} | {approved} |"
        )
    out += ["", "### 3.3. Other information (optional)", "", proc["other_information"]]
    return "\n".join(out) + "\n"
