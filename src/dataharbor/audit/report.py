"""An audit report rendered for people and machines: JSON, Markdown (review threads) and one standalone HTML file
(inline CSS and SVG, no script, no network) that a partner who is not an engineer can read."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from dataharbor.audit import svg

FORMATS = ("json", "md", "html")
VERDICT_WORDS = {
    "pass": "Pass — nothing needs a curator's attention",
    "needs_review": "Needs review — a curator should look at the warnings below",
    "fail": "Fail — errors must be fixed (or explicitly overridden) before this data can be used for training",
}
SECTION_TITLES = {
    "composition": "What is in the data",
    "quality": "Quality",
    "errors": "Errors and problems while reading",
    "pii": "Personal data",
    "safety": "Inappropriate content",
    "bias": "Representation and bias",
    "licence": "Licence and consent",
}
# the quality signals charted in the HTML report, when present (the JSON holds all of them)
KEY_SIGNALS = (
    "word_count",
    "mean_word_length",
    "stop_word_fraction",
    "alpha_word_fraction",
    "char_trigram_gain",
    "dup_line_fraction",
    "symbol_to_word_ratio",
    "bullet_line_fraction",
)


def render(report: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "md":
        return to_markdown(report)
    if fmt == "html":
        return to_html(report)
    raise ValueError(f"unknown report format {fmt!r}; expected one of {', '.join(FORMATS)}")


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _title(report: dict[str, Any]) -> str:
    return f"Audit of {report['dataset'].get('ref', '?')}@v{report['version'].get('number', '?')}"


def _n(x: Any) -> str:
    return f"{x:,}" if isinstance(x, int) else str(x)


def _example_text(ex: dict[str, Any]) -> str:
    head = ex.get("record_id") or ex.get("file") or ""
    extra = ex.get("excerpt") or ex.get("error") or ""
    return f"{head}: {extra}" if extra else str(head)


# --- Markdown ---------------------------------------------------------------------------------------------


def to_markdown(report: dict[str, Any]) -> str:
    ds, v, a, sec = report["dataset"], report["version"], report["audit"], report["sections"]
    comp = sec.get("composition", {})
    lines = [
        f"# {_title(report)}",
        "",
        f"**Verdict: {a['verdict']}** — {VERDICT_WORDS.get(a['verdict'], '')}",
        "",
        f"- Tier: {ds.get('tier')} · licence: {ds.get('license')} · declared languages: "
        f"{', '.join(ds.get('languages') or []) or 'none'} · state: {v.get('state')}",
        f"- Records kept: {_n(comp.get('records', 0))} · words: {_n(comp.get('words', 0))} · tokens "
        f"({comp.get('tokenizer', '')}): {_n(comp.get('tokens', 0))} · bytes: {_n(comp.get('bytes', 0))}",
        f"- Findings: {a['findings'].get('error', 0)} errors, {a['findings'].get('warning', 0)} warnings, "
        f"{a['findings'].get('info', 0)} notes · audited {a.get('created_at', '')} by {a.get('created_by', '')}"
        f" · rules {str(a.get('rules_hash', ''))[:12]}",
        "",
        "## Findings",
        "",
        "| severity | code | finding | value | threshold |",
        "|---|---|---|---|---|",
    ]
    for f in report["findings"]:
        msg = str(f["message"]).replace("|", "\\|")
        lines.append(f"| {f['severity']} | `{f['code']}` | {msg} | {f.get('value')} | {f.get('threshold')} |")
    examples = [(f["code"], ex) for f in report["findings"] for ex in f.get("examples", [])]
    if examples:
        lines += ["", "### Examples", ""]
        lines += [f"- `{code}` {_example_text(ex)}".replace("\n", " ") for code, ex in examples]
    lines += ["", "## Composition", ""]
    for dim in ("language", "modality", "file_type"):
        rows = comp.get("by", {}).get(dim, [])
        if rows:
            lines += [
                f"**By {dim.replace('_', ' ')}**",
                "",
                f"| {dim} | records | words | tokens | bytes |",
                "|---|---|---|---|---|",
            ]
            lines += [f"| {r['key']} | {r['records']} | {r['words']} | {r['tokens']} | {r['bytes']} |" for r in rows]
            lines.append("")
    q = sec.get("quality", {})
    lines += [
        "## Quality",
        "",
        f"Share kept: {q.get('share_kept', 0):.1%} ({q.get('kept', 0)} of {q.get('records', 0)})",
    ]
    if q.get("drops_by_reason"):
        lines += ["", "| stage:reason | records |", "|---|---|"]
        lines += [f"| {k} | {n} |" for k, n in q["drops_by_reason"].items()]
    pii = sec.get("pii", {})
    lines += [
        "",
        "## Personal data",
        "",
        f"Policy `{pii.get('policy')}`; entities found: {pii.get('entities') or 'none'};"
        f" records redacted {pii.get('records_redacted', 0)}, dropped {pii.get('records_dropped', 0)};"
        f" residual check: {pii.get('residual', {}).get('records_flagged', 0)} of"
        f" {pii.get('residual', {}).get('sampled', 0)} sampled records still flagged.",
    ]
    saf = sec.get("safety", {})
    lines += [
        "",
        "## Inappropriate content",
        "",
        f"Flagged and kept: {saf.get('flagged_kept', 0)};"
        f" dropped: {saf.get('dropped', 0)}; scored: {saf.get('scored_records', 0)}.",
    ]
    bias = sec.get("bias", {})
    groups = sorted(bias.get("groups", []), key=lambda r: -r["records"])[:25]
    lines += ["", "## Representation and bias", ""]
    g = bias.get("gender", {})
    lines.append(f"Gendered mentions: {g.get('mentions') or 'none'} (feminine share {g.get('feminine_share')}).")
    lines += ["", _coverage(bias)]
    if groups:
        lines += [
            "",
            "| axis | group | records | mention rate | toxicity rate | ratio to overall |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['axis']} | {r['group']} | {r['records']} | {r['mention_rate']:.2%} | {r['toxicity_rate']:.2%} |"
            f" {r['toxicity_ratio']} |"
            for r in groups
        ]
    lic = sec.get("licence", {})
    lines += [
        "",
        "## Licence and consent",
        "",
        f"Licence {lic.get('license')} ({'open' if lic.get('open_license') else 'not open'});"
        f" purposes {', '.join(lic.get('purposes') or []) or 'none'}; retention {lic.get('retention_days')} days;"
        f" redistribution {'allowed' if lic.get('redistribution') else 'not allowed'}.",
    ]
    if report.get("reviews"):
        lines += ["", "## Reviews", ""]
        lines += [
            f"- {r['created_at']}: **{r['decision']}** by {r['reviewer']} — {r['comment']}" for r in report["reviews"]
        ]
    return "\n".join(lines) + "\n"


# --- HTML -------------------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;max-width:980px;margin:2em auto;
padding:0 1em;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:2em}
.muted{color:#656d76}.verdict{padding:.8em 1em;border-radius:6px;font-size:1.1em;margin:1em 0}
.pass{background:#dafbe1;border:1px solid #4ac26b}.needs_review{background:#fff8c5;border:1px solid #d4a72c}
.fail{background:#ffebe9;border:1px solid #ff8182}
.cards{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}.card{border:1px solid #d0d7de;border-radius:6px;
padding:.6em 1em;min-width:120px}.card b{display:block;font-size:1.4em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}td,th{border:1px solid #d0d7de;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f6f8fa}
.sev{font-weight:600;border-radius:4px;padding:0 .4em}.sev-error{background:#ffebe9;color:#b3261e}
.sev-warning{background:#fff8c5;color:#7d4e00}.sev-info{background:#ddf4ff;color:#0550ae}
.ex{font-size:.85em;color:#424a53}code{font-size:.9em}.chart{max-width:100%;height:auto}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:1em}
@media print{body{max-width:none}}
"""


def _e(x: Any) -> str:
    return escape(str(x))


def _table(head: list[str], rows: list[list[Any]]) -> str:
    out = ["<table><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _findings_html(findings: list[dict[str, Any]], section: str | None = None) -> str:
    items = [f for f in findings if section is None or f["section"] == section]
    if not items:
        return '<p class="muted">No findings.</p>'
    rows = []
    for f in items:
        ex = "".join(f'<div class="ex">{_e(_example_text(x))}</div>' for x in f.get("examples", []))
        rows.append(
            f'<tr><td><span class="sev sev-{_e(f["severity"])}">{_e(f["severity"])}</span></td>'
            f"<td>{_e(f['message'])}{ex}</td><td><code>{_e(f['code'])}</code></td>"
            f"<td>{_e(f.get('value'))}</td><td>{_e(f.get('threshold'))}</td></tr>"
        )
    return (
        "<table><tr><th>severity</th><th>finding</th><th>code</th><th>value</th><th>threshold</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def to_html(report: dict[str, Any]) -> str:
    ds, v, a, sec, findings = (
        report["dataset"],
        report["version"],
        report["audit"],
        report["sections"],
        report["findings"],
    )
    comp = sec.get("composition", {})
    body: list[str] = [
        f"<h1>{_e(_title(report))}</h1>",
        f'<p class="muted">{_e(ds.get("description") or "")}</p>',
        f'<div class="verdict {_e(a["verdict"])}"><b>{_e(VERDICT_WORDS.get(a["verdict"], a["verdict"]))}</b></div>',
        '<div class="cards">',
        *(
            f'<div class="card"><span class="muted">{_e(k)}</span><b>{_e(val)}</b></div>'
            for k, val in (
                ("records kept", _n(comp.get("records", 0))),
                ("words", _n(comp.get("words", 0))),
                ("tokens", _n(comp.get("tokens", 0))),
                ("errors", a["findings"].get("error", 0)),
                ("warnings", a["findings"].get("warning", 0)),
                ("notes", a["findings"].get("info", 0)),
            )
        ),
        "</div>",
        _table(
            ["partner", "tier", "licence", "declared languages", "purposes", "state"],
            [
                [
                    ds.get("partner"),
                    ds.get("tier"),
                    ds.get("license"),
                    ", ".join(ds.get("languages") or []) or "none",
                    ", ".join(ds.get("purposes") or []) or "none",
                    v.get("state"),
                ]
            ],
        ),
        "<h2>All findings</h2>",
        "<p>Errors must be fixed before the data is used for training; warnings need a curator's judgement; notes "
        "are for information.</p>",
        _findings_html(findings),
    ]
    body += _composition_html(comp)
    body += _quality_html(sec.get("quality", {}), findings)
    body += [
        "<h2>" + SECTION_TITLES["errors"] + "</h2>",
        _errors_html(sec.get("errors", {})),
        _findings_html(findings, "errors"),
    ]
    body += _pii_html(sec.get("pii", {}), findings)
    saf = sec.get("safety", {})
    body += [
        "<h2>" + SECTION_TITLES["safety"] + "</h2>",
        f"<p>{_n(saf.get('flagged_kept', 0))} kept records were flagged as offensive or otherwise inappropriate; "
        f"{_n(saf.get('dropped', 0))} were removed. The chart shows how the toxicity score (0 = harmless, "
        "1 = certainly toxic) is spread over the records.</p>",
        svg.histogram(saf.get("toxicity", {}).get("bins", [])),
        _findings_html(findings, "safety"),
    ]
    body += _bias_html(sec.get("bias", {}), findings)
    body += [
        "<h2>" + SECTION_TITLES["licence"] + "</h2>",
        _licence_html(sec.get("licence", {})),
        _findings_html(findings, "licence"),
    ]
    if report.get("reviews"):
        body += [
            "<h2>Reviews</h2>",
            _table(
                ["when", "decision", "reviewer", "comment"],
                [[r["created_at"], r["decision"], r["reviewer"], r["comment"]] for r in report["reviews"]],
            ),
        ]
    body.append(
        f'<p class="muted">Audit #{_e(a.get("id"))} of {_e(a.get("created_at"))} by {_e(a.get("created_by"))}; rules '
        f"{_e(str(a.get('rules_hash', ''))[:16])}; integrity root {_e(str(v.get('integrity_root', ''))[:16])}; "
        f"pipeline config {_e(str(v.get('config_hash', ''))[:16])}. Generated by DataHarbor.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(_title(report))}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _composition_html(comp: dict[str, Any]) -> list[str]:
    by = comp.get("by", {})
    langs = [(r["key"], float(r["records"])) for r in by.get("language", [])[:15]]
    out = [
        "<h2>" + SECTION_TITLES["composition"] + "</h2>",
        f"<p>The version keeps {_n(comp.get('records', 0))} records: {_n(comp.get('words', 0))} words, "
        f"{_n(comp.get('tokens', 0))} tokens ({_e(comp.get('tokenizer', ''))}) and {_n(comp.get('bytes', 0))} bytes "
        "of text.</p>",
        '<div class="grid"><div><h3>Languages (records)</h3>' + svg.hbars(langs, width=460) + "</div>",
        "<div><h3>Kinds of source files (records)</h3>"
        + svg.hbars([(r["key"], float(r["records"])) for r in by.get("file_type", [])[:12]], width=460)
        + "</div></div>",
        '<div class="grid"><div><h3>Record length (characters)</h3>'
        + svg.histogram(comp.get("length_chars", {}).get("bins", []), width=460)
        + "</div><div><h3>Record length (tokens)</h3>"
        + svg.histogram(comp.get("length_tokens", {}).get("bins", []), width=460)
        + "</div></div>",
    ]
    for dim in ("modality", "contribution"):
        rows = by.get(dim, [])
        if rows:
            out.append(f"<h3>By {dim}</h3>")
            out.append(
                _table(
                    [dim, "records", "words", "tokens", "bytes"],
                    [[r["key"], _n(r["records"]), _n(r["words"]), _n(r["tokens"]), _n(r["bytes"])] for r in rows[:20]],
                )
            )
    return out


def _quality_html(q: dict[str, Any], findings: list[dict[str, Any]]) -> list[str]:
    drops = [(k, float(n)) for k, n in list(q.get("drops_by_reason", {}).items())[:15]]
    out = [
        "<h2>" + SECTION_TITLES["quality"] + "</h2>",
        f"<p>{q.get('share_kept', 0):.1%} of the {_n(q.get('records', 0))} records were kept. Records removed, by "
        "the step that removed them and why:</p>",
        svg.hbars(drops, colour=svg.COLOURS["warn"]),
    ]
    signals = q.get("signals", {})
    shown = [k for k in KEY_SIGNALS if k in signals] or sorted(signals)[:6]
    if shown:
        out.append('<h3>Quality signals</h3><div class="grid">')
        for k in shown:
            h = signals[k]
            out.append(
                f"<div><b>{_e(k)}</b> <span class='muted'>mean {_e(h.get('mean'))}</span>"
                + svg.histogram(h.get("bins", []), width=360, height=150)
                + "</div>"
            )
        out.append("</div>")
    out.append(_findings_html(findings, "quality"))
    return out


def _errors_html(e: dict[str, Any]) -> str:
    parts = [
        f"<p>{_n(e.get('files', 0))} files: "
        + ", ".join(f"{_e(k)} {_n(v)}" for k, v in e.get("files_by_status", {}).items())
        + f". Exact and near duplicates: {e.get('duplicate_rate', 0):.1%} of records.</p>"
    ]
    if e.get("failed_files"):
        parts.append(_table(["file", "type", "error"], [[f["file"], f["type"], f["error"]] for f in e["failed_files"]]))
    return "".join(parts)


def _pii_html(p: dict[str, Any], findings: list[dict[str, Any]]) -> list[str]:
    ents = [(k, float(n)) for k, n in p.get("entities", {}).items()]
    res = p.get("residual", {})
    return [
        "<h2>" + SECTION_TITLES["pii"] + "</h2>",
        f"<p>Policy <b>{_e(p.get('policy'))}</b>. Personal data was found in {_n(p.get('records_with_pii', 0))} kept "
        f"records ({_n(p.get('records_redacted', 0))} redacted) and {_n(p.get('records_dropped', 0))} records were "
        f"removed for it. A second check re-scanned {_n(res.get('sampled', 0))} randomly chosen kept records: "
        f"{_n(res.get('records_flagged', 0))} still look like they hold personal data.</p>",
        "<h3>Personal data found, by type</h3>",
        svg.hbars(ents),
        _findings_html(findings, "pii"),
    ]


def _coverage(b: dict[str, Any]) -> str:
    """Which languages the group figures speak for, with record counts: nothing is said of the others."""
    cov = b.get("group_languages") or {}

    def langs(counts: dict[str, int]) -> str:
        return ", ".join(f"{k} ({v:,})" for k, v in counts.items()) or "none"

    return (
        f"Group mentions analysed in: {langs(cov.get('analysed') or {})}; not analysed (no identity lexicon):"
        f" {langs(cov.get('not_analysed') or {})}."
    )


def _bias_html(b: dict[str, Any], findings: list[dict[str, Any]]) -> list[str]:
    g = b.get("gender", {})
    mentions = g.get("mentions", {})
    rows = sorted(b.get("groups", []), key=lambda r: (r["axis"], -r["records"]))
    table = _table(
        ["axis", "group", "records mentioning", "mention rate", "toxic among them", "vs. overall"],
        [
            [
                r["axis"],
                r["group"],
                _n(r["records"]),
                f"{r['mention_rate']:.2%}",
                f"{r['toxicity_rate']:.1%}",
                "—" if r["toxicity_ratio"] is None else f"×{r['toxicity_ratio']}",
            ]
            for r in rows[:60]
        ],
    )
    base = b.get("toxicity_baseline", {}).get("flagged_rate", 0)
    return [
        "<h2>" + SECTION_TITLES["bias"] + "</h2>",
        "<p>How often groups of people are mentioned (identity descriptors of the record's language), how balanced "
        "feminine and masculine words are (gender nouns of the language, + English pronouns), and whether text "
        "that mentions a "
        f"group is more often toxic than the data overall ({base:.1%} of scored records).</p>",
        f"<p>{escape(_coverage(b))}</p>",
        "<h3>Gendered words</h3>",
        svg.hbars([(k, float(n)) for k, n in mentions.items()]),
        "<h3>Groups mentioned</h3>",
        table if rows else '<p class="muted">No group descriptors found.</p>',
        _findings_html(findings, "bias"),
    ]


def _licence_html(lic: dict[str, Any]) -> str:
    return _table(
        ["licence", "open licence", "purposes", "retention (days)", "redistribution", "PII policy", "lawful basis"],
        [
            [
                lic.get("license"),
                "yes" if lic.get("open_license") else "no",
                ", ".join(lic.get("purposes") or []) or "none",
                lic.get("retention_days") if lic.get("retention_days") is not None else "not set",
                "allowed" if lic.get("redistribution") else "not allowed",
                lic.get("pii_policy"),
                lic.get("consent") or "not recorded",
            ]
        ],
    )
