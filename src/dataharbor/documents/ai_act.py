"""The public summary of training content (EU AI Act, Art. 53(1)(d)) for a set of approved versions, following the
European Commission's template of July 2025: 1. general information, 2. list of data sources, 3. data processing
aspects. JSON for machines, Markdown for publication.

What the platform cannot know (the provider's contact, the model's release date, its knowledge cutoff, robots.txt
opt-outs of content a partner collected) is stated as not recorded rather than guessed. Private datasets are described
by partner and licence with aggregate sizes only: never their names' contents, never their text.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from dataharbor.documents import common
from dataharbor.documents.common import n
from dataharbor.documents.service import NOT_RECORDED, Facts

SCHEMA = "dataharbor.ai-act-summary/1"
TEMPLATE = (
    "European Commission, Explanatory Notice and Template for the Public Summary of Training Content for"
    " general-purpose AI models (Art. 53(1)(d) AI Act), July 2025"
)
# The template's size ranges per modality (section 1.3): (upper bound exclusive, label); the last is open-ended.
SIZE_RANGES: dict[str, tuple[tuple[float, str], ...]] = {
    "text": ((1e9, "Less than 1 billion tokens"), (1e13, "1 billion to 10 trillion tokens"),
             (float("inf"), "More than 10 trillion tokens")),
    "image": ((1e6, "Less than 1 million images"), (1e9, "1 million to 1 billion images"),
              (float("inf"), "More than 1 billion images")),
    "audio": ((1e4, "Less than 10,000 hours"), (1e6, "10,000 to 1 million hours"),
              (float("inf"), "More than 1 million hours")),
    "video": ((1e4, "Less than 10,000 hours"), (1e6, "10,000 to 1 million hours"),
              (float("inf"), "More than 1 million hours")),
}  # fmt: skip
# the record modality (where the text was read from) -> how the platform turned it into text
SOURCE_WORDS = {
    "text": "text files",
    "document": "documents (PDF, office, e-books, HTML)",
    "image": "images and scanned pages, read by OCR",
    "audio": "audio recordings, transcribed by speech recognition",
    "video": "videos (soundtrack transcribed, on-screen text read by OCR)",
}


def size_range(modality: str, amount: float) -> str:
    for bound, label in SIZE_RANGES[modality]:
        if amount < bound:
            return label
    return SIZE_RANGES[modality][-1][1]


def _entry(f: Facts) -> dict[str, Any]:
    comp = f.section("composition")
    return {
        "records": int(comp.get("records", 0)),
        "tokens": int(comp.get("tokens", 0)),
        "bytes": int(comp.get("bytes", 0)),
        "languages": common.languages(f),
        "licence": f.dataset.get("license"),
    }


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
    return {
        "schema": SCHEMA,
        "template": TEMPLATE,
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "versions": [f.label if not f.private else f"private dataset of {f.partner.get('name')}" for f in facts],
        "general_information": {
            "provider": {"name": provider or NOT_RECORDED, "contact": NOT_RECORDED},
            "model": {"name": model or NOT_RECORDED, "date_placed_on_market": NOT_RECORDED},
            "modalities": {
                "text": totals["records"] > 0,
                "image": False,
                "audio": False,
                "video": False,
                "other": False,
            },
            "size": {
                "text": {**totals, "range": size_range("text", totals["tokens"])},
                "image": {
                    "range": None,
                    "note": "no images enter training; text read from them by OCR is counted as text",
                },
                "audio": {"range": None, "note": "no audio enters training; transcripts are counted as text"},
                "video": {
                    "range": None,
                    "note": "no video enters training; transcripts and on-screen text count as text",
                },
            },
            "text_by_source_modality": [
                {"source": k, "how": SOURCE_WORDS.get(k, k), **v} for k, v in sorted(by_source.items())
            ],
            "languages": [{"language": k, **v} for k, v in sorted(by_lang.items(), key=lambda kv: -kv[1]["records"])],
            "types_of_content": "Text contributed by partner organisations (documents, scans, recordings, videos read"
            " to text), cleaned, filtered and deduplicated by DataHarbor's pipeline.",
            "latest_date_of_collection": NOT_RECORDED,
            "knowledge_cutoff": NOT_RECORDED,
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
    return {
        "publicly_available_datasets": public,
        "private_datasets_licensed_from_partners": list(grouped.values()),
        "private_datasets_note": "Licensed by the partner (the rightsholder or its representative) under the licence"
        " or agreement named; whether the licence was paid for is " + NOT_RECORDED + ".",
        "crawled_and_scraped": "DataHarbor crawls nothing itself. Whether partners' contributions hold content they"
        " scraped is " + NOT_RECORDED + ".",
        "user_data": "None collected by the platform from users of an AI model.",
        "synthetic_data": "None generated by the platform; whether contributions hold synthetic text is "
        + NOT_RECORDED
        + ".",
        "other": "None.",
    }


def _processing(facts: list[Facts]) -> dict[str, Any]:
    per_dataset = []
    for f in facts:
        stages = [str(st.get("name")) for st in f.version.get("stages") or []]
        saf, pii = f.section("safety"), f.section("pii")
        per_dataset.append(
            {
                "source": f.label if not f.private else f"private dataset of {f.partner.get('name')}",
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
        "tdm_opt_out": "All content comes from partners who contributed it under the licence and terms recorded for"
        " each dataset (lawful basis or consent evidence below); the platform neither crawls nor reads robots.txt or"
        " other machine-readable reservations. Whether a partner's material was itself gathered with respect to"
        " text-and-data-mining opt-outs is " + NOT_RECORDED + ".",
        "illegal_content": "Every version passed DataHarbor's pipeline and audit, and a curator approved it: the safety"
        " stage (where the profile has one) scores inappropriate content and drops or flags it; personal data is"
        " redacted or dropped according to each dataset's PII policy and re-checked on a sample; the audit's verdict"
        " and the curator's review are recorded per version below. Detection of other illegal content (e.g."
        " copyright infringement within a partner's material) is " + NOT_RECORDED + ".",
        "per_source": per_dataset,
    }


def _lang(code: str) -> str:
    return "not identified" if code in ("und", "") else code


def render_markdown(s: dict[str, Any]) -> str:
    g, src, proc = s["general_information"], s["data_sources"], s["data_processing"]
    text = g["size"]["text"]
    out = [
        "# Public summary of training content",
        "",
        f"Following the {s['template']}. Generated by DataHarbor on {s['generated_at']} from the audited, approved"
        " versions listed in section 2.",
        "",
        "## 1. General information",
        "",
        "### 1.1 Provider identification",
        "",
        f"- Provider: {g['provider']['name']}",
        f"- Contact: {g['provider']['contact']}",
        "",
        "### 1.2 Model identification",
        "",
        f"- Model name: {g['model']['name']}",
        f"- Date of placement on the market: {g['model']['date_placed_on_market']}",
        "",
        "### 1.3 Modalities, overall training data size and other characteristics",
        "",
        "| modality | used | size range | size |",
        "|---|---|---|---|",
        f"| text | {'yes' if g['modalities']['text'] else 'no'} | {text['range']} | {n(text['tokens'])} tokens,"
        f" {n(text['records'])} records, {n(text['bytes'])} bytes |",
        *[f"| {m} | no | — | {g['size'][m]['note']} |" for m in ("image", "audio", "video")],
        "",
        "Text by the modality it was read from:",
        "",
        *[f"- {r['how']}: {n(r['records'])} records, {n(r['tokens'])} tokens" for r in g["text_by_source_modality"]],
        "",
        "Languages: "
        + (", ".join(f"{_lang(r['language'])} ({n(r['records'])} records)" for r in g["languages"]) or "none"),
        "",
        f"Types of content: {g['types_of_content']}",
        "",
        f"Latest date of data collection / knowledge cutoff: {g['knowledge_cutoff']}.",
        "",
        "## 2. List of data sources",
        "",
        "### 2.1 Publicly available datasets",
        "",
    ]
    if src["publicly_available_datasets"]:
        out += [
            "| dataset | version | partner | licence | records | tokens | languages |",
            "|---|---|---|---|---|---|---|",
        ]
        out += [
            f"| {d['dataset']} | {d['version']} | {d['partner']} | {d['licence']} | {n(d['records'])} |"
            f" {n(d['tokens'])} | {', '.join(d['languages']) or '—'} |"
            for d in src["publicly_available_datasets"]
        ]
    else:
        out.append("None.")
    out += ["", "### 2.2 Private non-publicly available datasets obtained from third parties", ""]
    if src["private_datasets_licensed_from_partners"]:
        out += ["| partner | licence | versions | size range | tokens | languages |", "|---|---|---|---|---|---|"]
        out += [
            f"| {d['partner']} | {d['licence']} | {d['versions']} | {d['range']} | {n(d['tokens'])} |"
            f" {', '.join(d['languages']) or '—'} |"
            for d in src["private_datasets_licensed_from_partners"]
        ]
        out += ["", src["private_datasets_note"]]
    else:
        out.append("None.")
    out += [
        "",
        "### 2.3 Data crawled and scraped from online sources",
        "",
        src["crawled_and_scraped"],
        "",
        "### 2.4 User data",
        "",
        src["user_data"],
        "",
        "### 2.5 Synthetic data",
        "",
        src["synthetic_data"],
        "",
        "### 2.6 Other sources of data",
        "",
        src["other"],
        "",
        "## 3. Data processing aspects",
        "",
        "### 3.1 Respect of reservation of rights from the text and data mining exception or limitation",
        "",
        proc["tdm_opt_out"],
        "",
        "### 3.2 Removal of illegal content",
        "",
        proc["illegal_content"],
        "",
        "| source | lawful basis / consent | safety stage | flagged kept | dropped (safety) | PII policy | redacted |"
        " dropped (PII) | audit | approved by |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for d in proc["per_source"]:
        approved = "; ".join(f"{a['by']} ({a['at']})" for a in d["approved"]) or "—"
        basis = str(d["lawful_basis_or_consent"]).replace("|", "\\|").replace("\n", " ")
        out.append(
            f"| {d['source']} | {basis} | {'yes' if d['safety_stage'] else 'no'} | {n(d['flagged_kept'])} |"
            f" {n(d['dropped_as_inappropriate'])} | {d['pii_policy']} | {n(d['records_redacted'])} |"
            f" {n(d['records_dropped_for_pii'])} | {d['audit_verdict']} | {approved} |"
        )
    return "\n".join(out) + "\n"
