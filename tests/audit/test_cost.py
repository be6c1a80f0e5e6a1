"""The audit's cheaper paths give the figures the plain ones gave: batched histograms, the near-empty check on a
prefix, possessive word patterns, the column reader, tokens counted one text at a time, and a group table whose
ties no longer depend on the process."""

from __future__ import annotations

import math
import random
import re
from pathlib import Path
from typing import Any

import pytest

from dataharbor.audit.bias import Bias, _Group
from dataharbor.audit.composition import Composition
from dataharbor.audit.errors import near_empty
from dataharbor.audit.lexicons import ENGLISH_WORD, WORD
from dataharbor.audit.quality import _FLUSH, Quality
from dataharbor.audit.rules import default_rules
from dataharbor.audit.runner import audit_records
from dataharbor.audit.section import AuditContext
from dataharbor.audit.stream import SIGNAL_EDGES, Histogram
from dataharbor.audit.tokens import count_tokens
from dataharbor.catalog import repo
from dataharbor.domain.record import Provenance, Record
from dataharbor.harbor import Harbor
from dataharbor.select.browse import iter_records


def _ctx() -> AuditContext:
    return AuditContext(
        dataset="acme/x", tier="open", license="CC-BY-4.0", languages=["en"], purposes=["training"],
        retention_days=365, redistribution=True, pii_policy="redact", consent="contract 2027-01",
        version=1, stages=["normalize", "quality", "pii"], run_stats={}, files=[], rules=default_rules(),
    )  # fmt: skip


def _state(h: Histogram) -> tuple[object, ...]:
    return h.n, h.total, h.low, h.high, math.copysign(1, h.low), list(h.counts), h.to_dict()


def test_add_many_is_add_in_turn() -> None:
    rng = random.Random(3)
    values: list[float] = [0.0, -0.0, float("nan"), -1.0, 1e6, 10000.0, 0.1, 0.30000000000000004, 7, 2**60]
    values += [rng.choice([rng.random(), rng.uniform(-5, 50), float(rng.randrange(200))]) for _ in range(3000)]
    one, many = Histogram(SIGNAL_EDGES), Histogram(SIGNAL_EDGES)
    for v in values:
        one.add(v)
    for start in range(0, len(values), 700):  # in several calls, as the quality section flushes
        many.add_many(values[start : start + 700])
    assert _state(one) == _state(many)
    zeros = Histogram(SIGNAL_EDGES)
    zeros.add_many([0.0, -0.0])
    assert math.copysign(1, zeros.low) == 1.0  # min() keeps the first of equal values: so does add_many


def test_quality_signals_are_the_same_across_flushes() -> None:
    rng = random.Random(5)
    section, expected = Quality(_ctx()), Histogram(SIGNAL_EDGES)
    for i in range(2 * _FLUSH + 37):
        r = Record(f"d1-{i:020d}", "text", Provenance("0" * 64, "f.txt", "text", "1"))
        score = rng.choice([rng.random(), rng.randrange(30), float("nan")])
        r.annotations = {"quality": {"score": score, "flag": True, "none": None, "name": "x", "words": i}}
        section.observe(r, True)
        expected.add(float(score))
    signals = section.finish().summary["signals"]
    assert set(signals) == {"score", "words"}  # booleans, None and strings are not signals
    assert signals["score"] == expected.to_dict() and signals["words"]["n"] == 2 * _FLUSH + 37


@pytest.mark.parametrize("min_chars", [0, 1, 5, 20])
def test_near_empty_is_fewer_non_space_characters(min_chars: int) -> None:
    rng = random.Random(min_chars)
    alphabet = ["a", "é", "1", ".", " ", "\n", "\t", "\xa0", "\u3000", "\u2028"]
    texts = ["", " " * 100, " " * 100 + "a" * 19, " " * 100 + "a" * 20, "a" * 20, "a " * 10, "x" * 19 + " " * 50]
    texts += ["".join(rng.choices(alphabet, weights=[1, 1, 1, 1, 9, 3, 2, 1, 1, 1], k=rng.randrange(90)))]
    texts += ["".join(rng.choices(alphabet, k=rng.randrange(90))) for _ in range(2000)]
    for text in texts:
        assert near_empty(text, min_chars) is (len("".join(text.split())) < min_chars), (text, min_chars)


def test_possessive_word_patterns_find_the_same_words() -> None:
    plain_en, plain = re.compile(r"\w+(?:[-']\w+)*"), re.compile(r"\w+(?:-\w+)*")
    samples = ["l'américain", "jehovah's witness", "a--b", "x- -y", "rock-'n'-roll", "well-", "'quoted'", "_x_1"]
    rng = random.Random(7)
    samples += ["".join(rng.choices("ab1é_-' \n.", k=rng.randrange(40))) for _ in range(3000)]
    for text in samples:
        assert ENGLISH_WORD.findall(text) == plain_en.findall(text), text
        assert WORD.findall(text) == plain.findall(text), text


def test_group_rows_with_as_many_records_are_ordered_by_name() -> None:
    bias = Bias(_ctx())
    bias.analysed["en"] = 4
    for group in ("sikh", "jewish", "buddhist"):  # met in this order: ties used to keep it
        bias.groups[("religion", group)] = _Group(records=2)
    bias.groups[("religion", "muslim")] = _Group(records=3)
    rows = bias._table(0.0)
    assert [r["group"] for r in rows] == ["muslim", "buddhist", "jewish", "sikh"]


def test_composition_counts_tokens_of_each_kept_record() -> None:
    texts = ["hello world", "", "<|endoftext|> is text here", "Größe 12 cm — ok"]
    section = Composition(_ctx())
    for i, text in enumerate(texts):
        section.observe(Record(f"d1-{i:020d}", text, Provenance("0" * 64, "f.txt", "text", "1")), True)
    section.observe(Record("d1-dropped", "not counted", Provenance("0" * 64, "f.txt", "text", "1")), False)
    summary = section.finish().summary
    assert summary["tokens"] == sum(count_tokens(texts)) and count_tokens(texts)[:2] == [2, 0]
    assert summary["records"] == 4 and summary["length_tokens"]["n"] == 4


@pytest.mark.parametrize("tier", ["open", "private"])
def test_the_audit_reads_the_records_the_browser_reads(
    harbor: Harbor, make_dataset: Any, process: Any, tmp_path: Path, tier: str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    body = "Jane wrote to the council about the bridge; write back to jane.doe@example.org please.\n"
    for name, end in (("a.txt", ""), ("b.txt", "\n\n")):  # the same text in two files: one is a duplicate
        (folder / name).write_text(body + end, encoding="utf-8")
    (folder / "c.txt").write_text("Another record, about the river and the mill.", encoding="utf-8")
    lic = "LicenseRef-acme" if tier == "private" else "CC0-1.0"
    ref = make_dataset(f"acme/{tier}", tier=tier, license=lic)
    process(ref, [folder])
    with harbor.catalog.session() as s:
        version = repo.get_version(s, repo.get_dataset(s, ref), 1)
        for dropped in (False, True):
            full = list(iter_records(harbor.store, version, dropped=dropped))
            seen = list(audit_records(harbor.store, version, dropped=dropped))
            assert full, dropped
            assert [_audited(r) for r in seen] == [_audited(r) for r in full]
            assert all(r.metadata == {} and r.provenance.source_sha256 == "" for r in seen)  # never read


def _audited(r: Record) -> tuple[object, ...]:
    """What the sections read of a record."""
    p = r.provenance
    return r.id, r.text, r.modality, r.annotations, r.dropped_by, r.drop_reason, p.file_id, p.contribution_id
