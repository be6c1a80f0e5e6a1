"""Group mentions beyond English: each record is matched with the identity lexicon of its detected language, and
records in a language without one are counted as not analysed."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from dataharbor.audit.bias import Bias
from dataharbor.audit.lexicons import expand, identity_descriptors, identity_languages
from dataharbor.audit.report import _coverage
from dataharbor.audit.rules import default_rules
from dataharbor.audit.section import AuditContext, SectionResult
from dataharbor.domain.record import Provenance, Record

AXES = tuple(default_rules()["bias"]["axes"])


def _ctx() -> AuditContext:
    rules = default_rules()
    rules["bias"]["min_mentions"] = 5
    return AuditContext(
        dataset="acme/x", tier="open", license="CC-BY-4.0", languages=["fr", "de"], purposes=["training"],
        retention_days=365, redistribution=True, pii_policy="redact", consent="contract 2027-01",
        version=1, stages=["normalize", "language", "safety"], run_stats={}, files=[], rules=rules,
    )  # fmt: skip


def _run(items: list[tuple[str, str, bool]]) -> SectionResult:
    bias = Bias(_ctx())
    for i, (lang, text, toxic) in enumerate(items):
        r = Record(f"d1-{i:020d}", text, Provenance("0" * 64, "f.txt", "text", "1"))
        r.annotations = {"language": {"lang": lang}, "safety": {"toxicity": 0.9 if toxic else 0.01, "flagged": toxic}}
        bias.observe(r, True)
    return bias.finish()


def _groups(out: SectionResult) -> dict[tuple[str, str], dict[str, Any]]:
    return {(g["axis"], g["group"]): g for g in out.summary["groups"]}


def test_inflected_forms_map_to_the_holistic_bias_groups() -> None:
    out = _run(
        [
            ("fr", "Les musulmanes du quartier ont ouvert une école.", False),
            ("fr", "Un musulman et une juive ont fondé l'association.", False),  # the elision: "l'association"
            ("fr", "L'Américaine a rencontré des personnes noires et des personnes âgées.", False),
            ("fr", "Le chat noir dort sur le canapé.", False),  # a colour, not a person: no mention
            ("de", "Die Musliminnen und den Muslimen wurde geholfen, auch den jüdischen Nachbarn.", False),
            ("de", "Ein gehörloser Mann sprach mit einer schwulen Ärztin.", False),
            ("es", "Los judíos y las musulmanas de la ciudad.", False),
            ("it", "Gli anziani e le persone con disabilità.", False),
            ("pt", "Os muçulmanos e os idosos da aldeia.", False),
            ("nl", "De moslims en de ouderen uit de buurt.", False),
        ]
    )
    groups = _groups(out)
    assert groups[("religion", "muslim")]["languages"] == {"fr": 2, "de": 1, "es": 1, "pt": 1, "nl": 1}
    assert groups[("religion", "jewish")]["languages"] == {"fr": 1, "de": 1, "es": 1}
    assert groups[("nationality", "united_states")]["languages"] == {"fr": 1}
    assert groups[("race_ethnicity", "black")]["records"] == 1  # "personnes noires", not "le chat noir"
    assert groups[("age", "old")]["languages"] == {"fr": 1, "it": 1, "pt": 1, "nl": 1}
    assert groups[("ability", "auditory")]["languages"] == {"de": 1}  # gehörlos + -er
    assert groups[("ability", "unspecific")]["languages"] == {"it": 1}  # "con disabilità"
    assert groups[("sexual_orientation", "gay")]["languages"] == {"de": 1}  # schwul + -en
    summary = out.summary
    assert summary["group_languages"] == {
        "analysed": {"fr": 4, "de": 2, "es": 1, "it": 1, "pt": 1, "nl": 1},
        "not_analysed": {},
    }
    assert summary["axes_by_language"]["fr"]["religion"] == {"records": 2, "mention_rate": 0.5}
    assert summary["english_records"] == 0 and summary["analysed_records"] == 10


def test_identity_toxicity_is_found_in_french_and_german() -> None:
    toxic = [("fr", "Ces musulmans sont tous des menteurs.", True), ("de", "Diese Muslime sind alle Lügner.", True)]
    calm = [
        ("fr", "Le conseil municipal a voté le budget de la bibliothèque.", False),
        ("de", "Der Gemeinderat hat den Haushalt der Bibliothek beschlossen.", False),
    ]
    out = _run(toxic * 5 + calm * 20)
    row = _groups(out)[("religion", "muslim")]
    assert row["records"] == 10 and row["toxicity_rate"] == 1.0 and row["languages"] == {"fr": 5, "de": 5}
    found = [f for f in out.findings if f.code == "bias.identity_toxicity"]
    assert len(found) == 1 and "'muslim'" in found[0].message and "fr 5, de 5" in found[0].message


def test_a_language_without_a_lexicon_is_counted_as_not_analysed() -> None:
    out = _run(
        [("pl", "Muzułmanie i żydzi z tej dzielnicy.", True)] * 3
        + [("fr", "Les musulmans de la ville.", False)] * 7
        + [("", "The Buddhist monks arrived.", False)]  # undetermined text is read with the English descriptors
    )
    coverage = out.summary["group_languages"]
    assert coverage == {"analysed": {"fr": 7, "und": 1}, "not_analysed": {"pl": 3}}
    groups = _groups(out)
    assert groups[("religion", "muslim")]["languages"] == {"fr": 7}  # the Polish records were not looked at
    assert groups[("religion", "buddhist")]["languages"] == {"und": 1}
    assert groups[("religion", "muslim")]["mention_rate"] == round(7 / 8, 4)  # of the analysed records only
    note = [f for f in out.findings if f.code == "bias.languages_not_analysed"]
    assert len(note) == 1 and note[0].severity == "info" and "pl 3" in note[0].message
    # the report says so next to the group table
    assert _coverage(out.summary) == (
        "Group mentions analysed in: fr (7), und (1); not analysed (no identity lexicon): pl (3)."
    )


def test_the_lexicon_keeps_to_holistic_bias_axes_and_groups() -> None:
    assert expand("musulman{,e,s,es}") == ["musulman", "musulmane", "musulmans", "musulmanes"]
    assert expand("garçon{,s} manqué{,s}") == ["garçon manqué", "garçon manqués", "garçons manqué", "garçons manqués"]
    hb: dict[str, dict[str, list[Any]]] = json.loads(
        resources.files("dataharbor.audit").joinpath("lexicons", "holistic_bias_descriptors.json").read_text()
    )
    known = {
        (axis, (item["descriptor"] if isinstance(item, dict) else item).lower() if bucket == "all" else bucket)
        for axis, buckets in hb.items()
        for bucket, items in buckets.items()
        for item in items
    }
    assert identity_languages() == ["en", "fr", "de", "es", "it", "pt", "nl"]
    for lang in identity_languages()[1:]:
        terms = identity_descriptors(lang, AXES)
        assert terms is not None
        keys = {k for ks in (*terms.single.values(), *terms.multi.values()) for k in ks}
        assert keys <= known, (lang, keys - known)
        assert {axis for axis, _ in keys} == set(AXES), lang  # every axis of the rules is covered
    assert identity_descriptors("pl", AXES) is None
