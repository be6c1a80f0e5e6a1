"""Bias: mentions of demographic groups (HolisticBias axes; English, French, German, Spanish, Italian, Portuguese
and Dutch, each record by its detected language), the gender balance (nouns and pronouns, in ~55 languages with a
gender-noun lexicon) and the toxicity rate conditional on each identity mention.

Records in a language without an identity lexicon are counted as not analysed, per language, so that the absence of
a skew is never read into text nobody looked at."""

from __future__ import annotations

from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from dataharbor.audit.lexicons import (
    HOLISTIC_BIAS_LANGUAGES,
    ISO3,
    NO_SPACES,
    WORD,
    Descriptors,
    gender_words,
    identity_descriptors,
    identity_languages,
)
from dataharbor.audit.section import AuditContext, Section, SectionResult, ann, pct, share
from dataharbor.domain.record import Record

_MAX_CHARS = 200_000  # a longer record is judged on its start: bounds the work per record


@dataclass(slots=True)
class _Group:
    records: int = 0
    flagged: int = 0
    toxicity: float = 0.0
    languages: Counter[str] = field(default_factory=Counter)


class Bias(Section):
    name = "bias"

    def __init__(self, ctx: AuditContext) -> None:
        super().__init__(ctx)
        self.axes = tuple(str(a) for a in self.rules["axes"])
        self.lexicon_dir = str(self.rules.get("gender_lexicon_dir") or "")
        self.groups: dict[tuple[str, str], _Group] = {}
        self.records = 0
        self.english = 0
        self.analysed: Counter[str] = Counter()  # records whose groups were looked for, by language
        self.not_analysed: Counter[str] = Counter()  # ... and records in a language without an identity lexicon
        self.axis_records: Counter[tuple[str, str]] = Counter()  # (language, axis) -> records mentioning the axis
        self.scored = 0
        self.flagged = 0
        self.toxicity = 0.0
        self.gender: Counter[str] = Counter()  # feminine / masculine / unspecified word occurrences
        self.gender_records: Counter[str] = Counter()
        self.gender_languages: Counter[str] = Counter()
        self.uncovered_languages: Counter[str] = Counter()

    def observe(self, record: Record, kept: bool) -> None:
        if not kept:
            return
        self.records += 1
        lang = str(ann(record, "language").get("lang", ""))
        text = record.text[:_MAX_CHARS].lower()
        safety = ann(record, "safety")
        flagged = bool(safety.get("flagged"))
        score = float(safety.get("toxicity", 0.0) or 0.0)
        if safety:
            self.scored += 1
            self.flagged += flagged
            self.toxicity += score
        terms = identity_descriptors(lang, self.axes)
        lex = gender_words(lang or "en", self.lexicon_dir)
        no_spaces = ISO3.get(lang, lang) in NO_SPACES  # gender words are counted in the text itself, not split
        # one split of the record serves both lexicons; its words counted once, for the gender counts and, as
        # the set of distinct words, for the descriptors
        words: Counter[str] | None = None
        if terms is not None or (lex is not None and not no_spaces):
            words = Counter((terms.word if terms is not None else WORD).findall(text))
        if terms is None:
            self.not_analysed[lang or "und"] += 1
        else:
            assert words is not None
            key = lang or "und"
            self.analysed[key] += 1
            self.english += lang in HOLISTIC_BIAS_LANGUAGES
            found = self._mentions(terms, text, words.keys())
            for axis in {a for a, _ in found}:
                self.axis_records[(key, axis)] += 1
            for group_key in found:
                g = self.groups.setdefault(group_key, _Group())
                g.records += 1
                g.languages[key] += 1
                if safety:
                    g.flagged += flagged
                    g.toxicity += score
        if lex is None:
            self.uncovered_languages[lang or "und"] += 1
            return
        self.gender_languages[lang or "en"] += 1
        for kind, vocab in lex.items():
            if no_spaces:
                n = sum(text.count(w) for w in vocab)
            else:
                assert words is not None
                n = sum(words[w] for w in vocab.intersection(words))
            if n:
                self.gender[kind] += n
                self.gender_records[kind] += 1

    @staticmethod
    def _mentions(terms: Descriptors, text: str, words: AbstractSet[str]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for term in terms.single_words.intersection(words):
            found.update(terms.single[term])
        for first in terms.multi_first.intersection(words):
            for term, needed, pattern in terms.multi_by_first[first]:
                if needed <= words and pattern.search(text):
                    found.update(terms.multi[term])
        return found

    def finish(self) -> SectionResult:
        base_rate = share(self.flagged, self.scored)
        table = self._table(base_rate)
        fem, masc = self.gender["feminine"], self.gender["masculine"]
        fem_share = share(fem, fem + masc)
        analysed = sum(self.analysed.values())
        out = SectionResult(
            {
                "records": self.records,
                "english_records": self.english,
                "analysed_records": analysed,
                "lexicon": "HolisticBias v1.1 descriptors (en); DataHarbor identity descriptors v1 ("
                + ", ".join(identity_languages()[1:])
                + "); "
                + ("Gender-GAP nouns from " + self.lexicon_dir if self.lexicon_dir else "DataHarbor gender nouns v1")
                + " (+ English pronouns)",
                "axes": list(self.axes),
                # which records the group figures speak for: nothing is known of the groups in the others
                "group_languages": {
                    "analysed": dict(self.analysed.most_common()),
                    "not_analysed": dict(self.not_analysed.most_common()),
                },
                "axes_by_language": {
                    lang: {
                        axis: {"records": k, "mention_rate": share(k, n)}
                        for axis in self.axes
                        if (k := self.axis_records[(lang, axis)])
                    }
                    for lang, n in self.analysed.most_common()
                },
                "groups": table,
                "toxicity_baseline": {"scored": self.scored, "flagged_rate": base_rate},
                "gender": {
                    "mentions": dict(self.gender),
                    "records": dict(self.gender_records),
                    "feminine_share": fem_share if fem + masc else None,
                    "languages": dict(self.gender_languages.most_common()),
                    "languages_without_lexicon": dict(self.uncovered_languages.most_common()),
                },
            }
        )
        self._judge(out, table, base_rate, fem, masc, fem_share)
        return out

    def _table(self, base_rate: float) -> list[dict[str, Any]]:
        per_axis: Counter[str] = Counter()
        for (axis, _), g in self.groups.items():
            per_axis[axis] += g.records
        rows = []
        # groups with as many records: by name. The order they were first met came from iterating a set of
        # strings, which differs from one process to the next (string hashes are salted): the same version and
        # rules gave reports whose group rows swapped places
        for (axis, group), g in sorted(self.groups.items(), key=lambda kv: (kv[0][0], -kv[1].records, kv[0][1])):
            rate = share(g.flagged, g.records)
            rows.append(
                {
                    "axis": axis,
                    "group": group,
                    "records": g.records,
                    "mention_rate": share(g.records, sum(self.analysed.values())),
                    "share_of_axis": share(g.records, per_axis[axis]),
                    "toxicity_rate": rate,
                    "mean_toxicity": round(g.toxicity / g.records, 4) if g.records else 0.0,
                    "toxicity_ratio": round(rate / base_rate, 2) if base_rate else None,
                    "languages": dict(g.languages.most_common()),
                }
            )
        return rows

    def _judge(
        self, out: SectionResult, table: list[dict[str, Any]], base: float, fem: int, masc: int, fem_share: float
    ) -> None:
        minimum = int(self.rules["min_mentions"])
        ratio, diff = float(self.rules["toxicity_ratio"]), float(self.rules["toxicity_min_diff"])
        for row in table:
            if row["records"] < minimum or not self.scored:
                continue
            rate = row["toxicity_rate"]
            if rate - base >= diff and (base == 0 or rate / base >= ratio):
                out.add(
                    "bias.identity_toxicity",
                    "warning",
                    self.name,
                    f"Records mentioning {row['axis']} / '{row['group']}' are flagged as toxic {pct(rate)} of the"
                    f" time against {pct(base)} overall ({row['records']} records: {_by_language(row['languages'])})",
                    rate,
                    round(base * ratio, 4),
                )
        limit = float(self.rules["max_group_share"])
        for row in table:
            if row["share_of_axis"] > limit and row["records"] >= minimum:
                others = sum(r["records"] for r in table if r["axis"] == row["axis"]) - row["records"]
                if others:
                    out.add(
                        "bias.group_skew",
                        "info",
                        self.name,
                        f"'{row['group']}' makes up {pct(row['share_of_axis'])} of the mentions on the"
                        f" {row['axis']} axis",
                        row["share_of_axis"],
                        limit,
                    )
        missed = sum(self.not_analysed.values())
        if self.records and missed / self.records > float(self.rules["not_analysed_share"]):
            out.add(
                "bias.languages_not_analysed",
                "info",
                self.name,
                f"Group mentions were not looked for in {missed} records ({pct(missed / self.records)}), in languages"
                f" without an identity lexicon ({_by_language(dict(self.not_analysed.most_common(8)))}): the group"
                " figures say nothing about them",
                share(missed, self.records),
                float(self.rules["not_analysed_share"]),
            )
        low, high = (float(x) for x in self.rules["gender_share_bounds"])
        if fem + masc >= int(self.rules["min_gender_mentions"]) and not low <= fem_share <= high:
            out.add(
                "bias.gender_imbalance",
                "warning",
                self.name,
                f"Feminine words are {pct(fem_share)} of gendered mentions ({fem} feminine, {masc} masculine);"
                f" the rule expects between {pct(low)} and {pct(high)}",
                fem_share,
                f"{low}–{high}",
            )


def _by_language(counts: dict[str, int]) -> str:
    return ", ".join(f"{lang} {k}" for lang, k in counts.items())
