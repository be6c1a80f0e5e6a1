"""Units of the audit: rules, verdict, bounded summaries, tokens, bias measures, licence and consent."""

from __future__ import annotations

from pathlib import Path

import pytest

from dataharbor.audit.bias import Bias
from dataharbor.audit.licence import Licence
from dataharbor.audit.rules import Finding, default_rules, load_rules, rules_hash, verdict
from dataharbor.audit.section import AuditContext
from dataharbor.audit.stream import SIGNAL_EDGES, Histogram, Reservoir
from dataharbor.audit.tokens import count_tokens
from dataharbor.domain.record import Provenance, Record
from dataharbor.errors import InvalidInput


def _ctx(**terms: object) -> AuditContext:
    base: dict[str, object] = dict(
        dataset="acme/x", tier="open", license="CC-BY-4.0", languages=["en"], purposes=["training"],
        retention_days=365, redistribution=True, pii_policy="redact", consent="contract 2027-01",
        version=1, stages=["normalize", "pii", "safety"], run_stats={}, files=[], rules=default_rules(),
    )  # fmt: skip
    base.update(terms)
    return AuditContext(**base)  # type: ignore[arg-type]


def _rec(n: int, text: str, lang: str = "en", toxic: bool = False) -> Record:
    r = Record(f"d1-{n:020d}", text, Provenance("0" * 64, "f.txt", "text", "1"))
    r.annotations = {"language": {"lang": lang}, "safety": {"toxicity": 0.9 if toxic else 0.01, "flagged": toxic}}
    return r


def test_rules_override_validate_and_hash(tmp_path: Path) -> None:
    custom = tmp_path / "r.yaml"
    custom.write_text("safety:\n  flagged_error_share: 0.5\n", encoding="utf-8")
    rules = load_rules(custom)
    assert rules["safety"]["flagged_error_share"] == 0.5 and rules["safety"]["flagged_warn_share"] == 0.0
    assert rules_hash(rules) != rules_hash(default_rules()) and len(rules_hash(rules)) == 64
    custom.write_text("safety:\n  flaged: 1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="unknown keys"):
        load_rules(custom)


def test_verdict() -> None:
    f = [Finding("a", "info", "s", "m"), Finding("b", "warning", "s", "m")]
    assert (verdict([]), verdict(f[:1]), verdict(f)) == ("pass", "pass", "needs_review")
    assert verdict([*f, Finding("c", "error", "s", "m")]) == "fail"


def test_summaries_stay_bounded() -> None:
    h = Histogram(SIGNAL_EDGES)
    for v in (-1.0, 0.05, 0.95, 3.0, 1e6):
        h.add(v)
    d = h.to_dict()
    assert d["n"] == 5 and sum(b["count"] for b in d["bins"]) == 5 and d["max"] == 1e6
    res: Reservoir[int] = Reservoir(10, seed=1)
    for i in range(100_000):
        res.add(i)
    assert len(res.items) == 10 and res.seen == 100_000 and max(res.items) > 1000  # uniform, not the first ten


def test_tokens_are_counted_with_the_real_tokenizer() -> None:
    assert count_tokens(["hello world", "", "<|endoftext|>"]) == [2, 0, 7]
    assert count_tokens(["hello world"], "o200k_base") == [2]


def test_identity_toxicity_and_gender_balance() -> None:
    ctx = _ctx()
    ctx.rules["bias"]["min_mentions"] = 5
    ctx.rules["bias"]["min_gender_mentions"] = 5
    bias = Bias(ctx)
    for i in range(10):  # records mentioning a religion are toxic; the others are not
        bias.observe(_rec(i, "The Buddhist man said he would come back.", toxic=True), True)
    for i in range(10, 40):
        bias.observe(_rec(i, "He and his brother fixed the roof; the older man helped him."), True)
    for i in range(40, 50):  # French: the shipped gender nouns count feminine and masculine nouns
        bias.observe(_rec(i, "La femme et sa fille sont arrivées.", lang="fr"), True)
    out = bias.finish()
    groups = {(g["axis"], g["group"]): g for g in out.summary["groups"]}
    assert groups[("religion", "buddhist")]["records"] == 10
    assert groups[("religion", "buddhist")]["toxicity_rate"] == 1.0
    assert groups[("age", "old")]["records"] == 30  # "older" is an age descriptor
    codes = {f.code for f in out.findings}
    assert {"bias.identity_toxicity", "bias.gender_imbalance"} <= codes
    gender = out.summary["gender"]
    assert gender["languages"]["fr"] == 10 and gender["records"]["feminine"] == 10
    assert gender["mentions"]["masculine"] > gender["mentions"]["feminine"]


@pytest.mark.parametrize(
    ("terms", "code", "severity"),
    [
        ({"license": "CC-BY-NC-4.0"}, "licence.invalid", "error"),
        ({"redistribution": False}, "licence.open_not_redistributable", "error"),
        ({"stages": ["normalize"]}, "licence.open_without_pii_redaction", "error"),
        ({"purposes": []}, "consent.no_purposes", "error"),
        ({"purposes": ["research"]}, "consent.no_training_purpose", "warning"),
        ({"tier": "private", "license": "LicenseRef-x", "retention_days": None}, "consent.no_retention", "warning"),
        ({"consent": ""}, "consent.no_basis", "warning"),
    ],
)
def test_licence_and_consent_conflicts(terms: dict[str, object], code: str, severity: str) -> None:
    assert not Licence(_ctx()).finish().findings  # the clean terms raise nothing
    found = {f.code: f.severity for f in Licence(_ctx(**terms)).finish().findings}
    assert found.get(code) == severity, found


def test_the_gender_gap_lexicon_can_be_pointed_at_and_extends_the_shipped_nouns(tmp_path: Path) -> None:
    from dataharbor.audit.lexicons import gender_languages, gender_words
    from dataharbor.errors import ConfigError

    shipped = gender_languages()
    assert set(shipped) == {"eng", "fra", "deu", "spa", "ita", "por", "nld"}
    assert gender_words("fi") is None  # Finnish is not shipped
    folder = tmp_path / "gender"
    folder.mkdir()
    (folder / "fin_nouns.json").write_text(
        '{"feminine": [{"singular": "nainen", "plural": "naiset"}], "masculine": [{"singular": "mies", '
        '"plural": "miehet"}], "unspecified": [{"singular": "ihminen", "plural": "ihmiset"}]}',
        encoding="utf-8",
    )
    fin = gender_words("fi", str(folder))
    assert fin is not None and fin["feminine"] == {"nainen", "naiset"} and "mies" in fin["masculine"]
    assert "woman" in (gender_words("en", str(folder)) or {})["feminine"]  # the shipped languages stay
    with pytest.raises(ConfigError):
        gender_words("fi", str(tmp_path / "missing"))


def test_the_residual_scan_holds_a_bounded_window_of_long_records() -> None:
    from dataharbor.audit.pii import RESIDUAL_WINDOW, residual_window

    short = Record("d1-a", "call me on 020 7946 0321", Provenance("0" * 64, "f", "text", "1"))
    assert residual_window(short) == short.text
    long_text = " ".join(f"word{i}" for i in range(200_000))
    long = Record("d1-b", long_text, Provenance("0" * 64, "f", "text", "1"))
    window = residual_window(long)
    assert 0.9 * RESIDUAL_WINDOW < len(window) <= RESIDUAL_WINDOW and window in long_text
    assert window.split()[0].startswith("word") and window == residual_window(long)  # whole words, reproducible
