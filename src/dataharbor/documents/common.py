"""Sentences shared by the documents, each built from the facts (never from record content).

Every function here reads only the audit report's terms, figures and findings: finding examples (record ids, and
for open datasets short excerpts) are never copied into a document.
"""

from __future__ import annotations

from typing import Any

from dataharbor.documents.service import NOT_RECORDED, Facts
from dataharbor.domain.enums import Purpose

# What each pipeline stage does, in one line (stage name as recorded in the version's profile).
STAGE_WORDS = {
    "normalize": "Unicode normalisation and mojibake repair; records shorter than the minimum length are dropped",
    "confidence": "flags (or drops) text read by OCR or speech recognition with low confidence",
    "language": "language identification of every record",
    "quality": "heuristic quality signals (Gopher/C4-style rules, repetition, character n-gram gain); junk is dropped",
    "pii": "detection of personal data, then redaction or dropping according to the dataset's PII policy",
    "safety": "scores inappropriate (toxic, offensive) content; records above the threshold are flagged or dropped",
    "minhash": "MinHash signatures for near-duplicate detection",
    "dedup": "removes exact and near duplicates, within the job and against the platform's corpus",
}
PURPOSE_WORDS = {
    Purpose.TRAINING.value: "pre-training of AI models",
    Purpose.FINE_TUNING.value: "fine-tuning of AI models",
    Purpose.EVALUATION.value: "evaluation of AI models",
    Purpose.RESEARCH.value: "research",
}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def n(x: Any) -> str:
    return f"{x:,}" if isinstance(x, int) else str(x)


def purposes(f: Facts) -> list[str]:
    return [str(p) for p in f.dataset.get("purposes") or []]


def uses(f: Facts) -> list[str]:
    """The allowed uses, from the dataset's terms."""
    allowed = purposes(f)
    if not allowed:
        return ["No purpose is allowed by the dataset's terms: the data may not be used until the partner sets one."]
    out = [f"{PURPOSE_WORDS.get(p, p)} (purpose `{p}`)" for p in allowed]
    if f.private:
        out.append(
            "Private tier: only principals holding a live, purpose-bound grant from the partner may read the records,"
            " and only for the granted purpose; every read is logged."
        )
    else:
        out.append("Open tier: anyone may use the data under its licence.")
    return out


def out_of_scope(f: Facts) -> list[str]:
    """Uses the terms rule out: purposes not allowed, redistribution, the tier's limits, unreviewed states."""
    allowed = set(purposes(f))
    out = [
        f"{PURPOSE_WORDS[p.value]} (purpose `{p.value}` is not allowed by the dataset's terms)"
        for p in Purpose
        if p.value not in allowed
    ]
    if not f.dataset.get("redistribution"):
        out.append("Redistributing copies of the data: the terms do not allow redistribution.")
    if f.private:
        out.append(
            "Any use without a live grant for that purpose, sharing the records outside the granted team, or"
            " keeping them beyond the grant's expiry."
        )
    retention = f.dataset.get("retention_days")
    if retention is not None:
        out.append(f"Keeping copies longer than the retention period of {n(retention)} days.")
    if f.version.get("state") != "approved":
        out.append(
            f"Training on this version as it stands: it is `{f.version.get('state')}`, and only versions a curator"
            " approved are served for training."
        )
    return out


def stages(f: Facts) -> list[str]:
    """The pipeline stages the version went through, with what each dropped."""
    q = f.section("quality")
    by_stage: dict[str, int] = dict(q.get("drops_by_stage") or {})
    by_reason: dict[str, int] = dict(q.get("drops_by_reason") or {})
    out = []
    for st in f.version.get("stages") or []:
        name = str(st.get("name"))
        dropped = by_stage.get(name, 0)
        reasons = ", ".join(f"{k.split(':', 1)[1]} {n(v)}" for k, v in by_reason.items() if k.startswith(f"{name}:"))
        out.append(
            f"`{name}` v{st.get('version')}: {STAGE_WORDS.get(name, 'a pipeline stage')}; dropped {n(dropped)} records"
            + (f" ({reasons})" if reasons else "")
        )
    if not out:
        out.append(f"Pipeline stages: {NOT_RECORDED}.")
    return out


def kept_summary(f: Facts) -> str:
    q = f.section("quality")
    return (
        f"{n(q.get('kept', f.records))} of {n(q.get('records', f.records))} records kept"
        f" ({float(q.get('share_kept', 1.0)):.1%}); {n(q.get('dropped', 0))} dropped, each kept with its reason in the"
        " version's decisions table"
    )


def pii_lines(f: Facts) -> list[str]:
    p = f.section("pii")
    res = p.get("residual") or {}
    ents = p.get("entities") or {}
    out = [
        f"PII policy: `{p.get('policy', f.dataset.get('pii_policy'))}`.",
        f"Records scanned for personal data: {n(p.get('scanned_records', 0))} of {n(p.get('kept_records', f.records))}"
        " kept records"
        + (
            ""
            if p.get("scanned_records")
            else " (the pipeline profile has no pii stage: personal data was not looked for)"
        )
        + ".",
        "Entities found, by type: " + (", ".join(f"{k} {n(v)}" for k, v in ents.items()) if ents else "none") + ".",
        f"Records with personal data: {n(p.get('records_with_pii', 0))}; redacted {n(p.get('records_redacted', 0))};"
        f" dropped for it {n(p.get('records_dropped', 0))}.",
        f"Residual check: {n(res.get('sampled', 0))} kept records sampled and re-scanned with the rule-based"
        " recognisers"
        f" ({', '.join(res.get('types_checked') or []) or 'none'}); {n(res.get('records_flagged', 0))} still flagged.",
        "The residual check finds structured identifiers, not names; sensitive categories (health, religion, political"
        " opinion …) are not detected as such.",
    ]
    return out


def safety_line(f: Facts) -> str:
    s = f.section("safety")
    if not s.get("scored_records"):
        return "Inappropriate content: no record was scored (the pipeline profile has no safety stage)."
    return (
        f"Inappropriate content: {n(s.get('scored_records', 0))} records scored; {n(s.get('flagged_kept', 0))} kept"
        f" records flagged ({float(s.get('flagged_share', 0)):.1%}); {n(s.get('dropped', 0))} dropped."
    )


def bias_lines(f: Facts) -> list[str]:
    b = f.section("bias")
    g = b.get("gender") or {}
    langs = b.get("group_languages") or {}
    analysed = langs.get("analysed") or {}
    skipped = langs.get("not_analysed") or {}
    # older audits (before the multilingual lexicon) recorded English records only
    measured = b.get("analysed_records", b.get("english_records", 0))
    out = [
        f"Method: {b.get('lexicon', NOT_RECORDED)}; descriptor mentions measured on {n(measured)}"
        f" of {n(b.get('records', 0))} records"
        + (" (" + ", ".join(f"{lang} {n(k)}" for lang, k in analysed.items()) + ")" if analysed else "")
        + ".",
        "Gendered words: "
        + (", ".join(f"{k} {n(v)}" for k, v in (g.get("mentions") or {}).items()) or "none found")
        + (f" (feminine share {g.get('feminine_share')})" if g.get("feminine_share") is not None else "")
        + ".",
    ]
    groups = sorted(b.get("groups") or [], key=lambda r: -int(r.get("records", 0)))[:10]
    for r in groups:
        ratio = r.get("toxicity_ratio")
        out.append(
            f"{r.get('axis')} / {r.get('group')}: {n(r.get('records', 0))} records"
            f" ({float(r.get('mention_rate', 0)):.2%});"
            f" toxic among them {float(r.get('toxicity_rate', 0)):.1%}"
            + (f", ×{ratio} the overall rate" if ratio is not None else "")
        )
    if not groups:
        out.append("No HolisticBias group descriptor was found.")
    out += [f"Finding `{x['code']}` ({x['severity']}): {x['message']}" for x in findings(f, "bias")]
    if skipped:
        out.append(
            "Not analysed for groups (no descriptor lexicon for their language): "
            + ", ".join(f"{lang} {n(k)}" for lang, k in skipped.items())
            + " records; nothing is known of group representation in them."
        )
    out.append(
        "Limits: descriptor matching is lexical and covers the languages listed above, and the gender"
        " lexicon counts words, not referents."
    )
    return out


def findings(f: Facts, section: str | None = None) -> list[dict[str, Any]]:
    items = [x for x in f.findings if section is None or x.get("section") == section]
    return sorted(items, key=lambda x: SEVERITY_ORDER.get(str(x.get("severity")), 3))


def limitation_lines(f: Facts) -> list[str]:
    """The audit's findings (errors and warnings first), message only — never their examples."""
    out = [f"`{x['code']}` ({x['severity']}): {x['message']}" for x in findings(f)]
    return out or ["The audit recorded no finding."]


def languages(f: Facts, min_share: float = 0.01) -> list[str]:
    """Declared languages, plus measured ones holding at least `min_share` of the records ('und' excluded)."""
    declared = [str(x) for x in f.dataset.get("languages") or []]
    total = max(1, f.records)
    measured = [
        str(r["key"])
        for r in f.section("composition").get("by", {}).get("language", [])
        if r.get("key") not in ("und", "", None) and int(r.get("records", 0)) / total >= min_share
    ]
    return list(dict.fromkeys(declared + measured))


def licence_line(f: Facts) -> str:
    is_open = "an open licence" if f.section("licence").get("open_license") else "not an open licence"
    days = f.dataset.get("retention_days")
    return (
        f"Licence `{f.dataset.get('license')}` ({is_open});"
        f" tier {f.dataset.get('tier')}; purposes {', '.join(purposes(f)) or 'none'};"
        f" retention {n(days) + ' days' if days is not None else 'not set'};"
        f" redistribution {'allowed' if f.dataset.get('redistribution') else 'not allowed'}."
    )


def consent_line(f: Facts) -> str:
    consent = str(f.dataset.get("consent") or "").strip()
    return (
        f"Lawful basis / consent evidence: {consent}"
        if consent
        else f"Lawful basis / consent evidence: {NOT_RECORDED}."
    )


def review_lines(f: Facts) -> list[str]:
    return [
        f"{r.get('created_at')}: {r.get('decision')} by {r.get('reviewer')}"
        f" ({r.get('from_state')} → {r.get('to_state')})"
        f" — {r.get('comment')}"
        for r in f.reviews
    ] or ["No curator review yet."]


def provenance_lines(f: Facts) -> list[str]:
    v, a = f.version, f.report["audit"]
    return [
        f"Dataset {f.ref}, version {v.get('number')} (state `{v.get('state')}`), created {v.get('created_at')}.",
        f"Integrity root (SHA-256 over the ordered shard hashes): `{v.get('integrity_root')}`.",
        f"Pipeline configuration hash: `{v.get('config_hash')}`.",
        f"Audit #{a.get('id')} of {a.get('created_at')} by {a.get('created_by')}: verdict **{a.get('verdict')}**"
        f" ({a['findings'].get('error', 0)} errors, {a['findings'].get('warning', 0)} warnings,"
        f" {a['findings'].get('info', 0)} notes); rules `{str(a.get('rules_hash', ''))[:16]}`.",
    ]


def composition_rows(f: Facts, dim: str) -> list[dict[str, Any]]:
    return list(f.section("composition").get("by", {}).get(dim, []))
