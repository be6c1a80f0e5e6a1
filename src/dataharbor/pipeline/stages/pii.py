"""pii: detect personal data and redact it with typed placeholders (or drop the record).

Cheap recognisers run first (regex + checksums: emails, phones, IBANs, cards, IPs, national
ids; rules for street addresses and name cues), then spaCy NER for person and place names
over the whole batch at once, in the record's language.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from dataharbor.domain.record import Record
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import Stage, StageContext, register_stage
from dataharbor.pipeline.stages._pii_gazetteer import forget_words, name_sets
from dataharbor.pipeline.stages._pii_ner import DEFAULT_MODELS, NerRunner
from dataharbor.pipeline.stages._pii_phone import forget_blocks
from dataharbor.pipeline.stages._pii_plausible import NOUN_CAPITALISING, noun_not_place, plausible
from dataharbor.pipeline.stages._pii_recognisers import find_cheap
from dataharbor.pipeline.stages._pii_resolve import redact, resolve
from dataharbor.pipeline.stages._pii_types import ALL_TYPES, DEFAULT_TYPES, LOCATION, PERSON, Entity

POLICIES = ("redact", "drop", "keep-private-only")
# weak one-word guesses that NER overrules when it read the same words as another type
# ("Florence" the city, "Jordan" the country)
_WEAK_SOURCES = frozenset({"gazetteer_single", "place_cue", "place_gazetteer"})
# rules that take the capitalised words next to a cue: NER's plausibility checks apply to them too ("said
# Monday", "Head Office" above a postal block, "Bank of …")
_CUE_SOURCES = frozenset({"name_cue", "block_name", "place_cue"})


def _trusted_in_other_language(entity: Entity, text: str) -> bool:
    """A model of another language (the fallback) tags capitalised nouns as people ("Betreff", "Der Kunde"):
    keep its PERSON only when every word is capitalised and one is a known name."""
    if entity.type != PERSON:
        return True
    words = text[entity.start : entity.end].split()
    firsts, lasts = name_sets()
    return all(w[:1].isupper() for w in words) and any(w.lower() in firsts or w.lower() in lasts for w in words)


def _noun_read_as_place(candidate: Entity, text: str, lang: str) -> bool:
    """In a language that capitalises nouns, a place cue may take a noun ("in Gemeinschaft"), and a one-word
    gazetteer place is as often a noun ("Wahlen", "Werken"): only multi-word gazetteer places are kept there."""
    words = text[candidate.start : candidate.end]
    if candidate.source == "place_cue":
        return noun_not_place(words, lang)
    return candidate.source == "place_gazetteer" and lang in NOUN_CAPITALISING and " " not in words


def _yields_to_ner(candidate: Entity, ner: list[Entity]) -> bool:
    return candidate.source in _WEAK_SOURCES and any(
        e.type != candidate.type and e.start < candidate.end and candidate.start < e.end for e in ner
    )


@register_stage
class PiiStage(Stage):
    """Finds personal data; annotates what was found (types, offsets, scores — never values).

    Policy (`context.pii_policy`): `redact` replaces each span with `<TYPE>`; `drop` drops a
    record holding any entity (reason `pii`); `keep-private-only` annotates without redacting
    in a private dataset and redacts in an open one.
    """

    name = "pii"
    version = "1"

    def __init__(
        self,
        context: StageContext,
        *,
        entity_types: Sequence[str] | None = None,
        score_threshold: float = 0.5,
        ner: bool = True,
        ner_max_chars: int = 5000,
        ner_models: dict[str, str] | None = None,
        ner_fallback_language: str | None = "en",
        personal_urls: bool = True,
    ) -> None:
        super().__init__(context)
        types = tuple(entity_types) if entity_types is not None else DEFAULT_TYPES
        unknown = sorted(set(types) - set(ALL_TYPES))
        if unknown:
            raise ConfigError(
                f"Stage 'pii' param 'entity_types' has unknown types {unknown}; expected some of {list(ALL_TYPES)}",
                stage=self.name,
            )
        if context.pii_policy not in POLICIES:
            raise ConfigError(
                f"PII policy '{context.pii_policy}' is not valid; expected one of {list(POLICIES)}",
                stage=self.name,
            )
        if ner_max_chars < 100:
            raise ConfigError(f"Stage 'pii' param 'ner_max_chars' is {ner_max_chars}; expected >= 100")
        self.entity_types = sorted(types)
        self.score_threshold = score_threshold
        self.ner = ner
        self.ner_max_chars = ner_max_chars
        self.ner_models = dict(ner_models) if ner_models is not None else dict(DEFAULT_MODELS)
        self.ner_fallback_language = ner_fallback_language
        self.personal_urls = personal_urls
        self._types = frozenset(types)
        self._runner = NerRunner(models=self.ner_models, max_chars=ner_max_chars)

    def setup(self) -> None:
        self.close()  # a process that runs several jobs (inline, Ray actors) starts each without the last one's text
        if self._uses_ner():
            for lang in self._setup_languages():
                self._runner.load(lang)

    def close(self) -> None:
        forget_blocks()
        forget_words()
        self._runner.forget()

    def process(self, batch: Sequence[Record]) -> None:
        langs = [self._language(r) for r in batch]
        texts = [r.text for r in batch]
        found = [
            find_cheap(r.text, self._types, lang, personal_urls=self.personal_urls)
            for r, lang in zip(batch, langs, strict=True)
        ]
        for cands, text, lang in zip(found, texts, langs, strict=True):
            cands[:] = [p for c in cands if (p := _checked_rule(c, text, lang)) is not None]
        ner_langs = [self._ner_language(lang) for lang in langs]
        if self._uses_ner():
            ner_found = self._runner.find([(r.text, nl) for r, nl in zip(batch, ner_langs, strict=True)])
            for cands, extra, text, lang, nl in zip(found, ner_found, texts, langs, ner_langs, strict=True):
                foreign = nl is not None and nl != lang
                kept = [
                    p for e in extra if e.type in self._types and (p := plausible(e, text, lang, foreign)) is not None
                ]
                if foreign:
                    kept = [e for e in kept if _trusted_in_other_language(e, text)]
                cands[:] = [c for c in cands if not _yields_to_ner(c, kept)]
                cands.extend(kept)
        for record, cands, ner_lang in zip(batch, found, ner_langs, strict=True):
            self._decide(record, resolve(cands, self.score_threshold), ner_lang)

    def _decide(self, record: Record, entities: list[Entity], ner_lang: str | None) -> None:
        policy = self.context.pii_policy
        annotate_only = policy == "keep-private-only" and self.context.tier == "private"
        redacting = bool(entities) and policy != "drop" and not annotate_only
        record.annotations[self.name] = {
            "count": len(entities),
            "counts": dict(Counter(e.type for e in entities)),
            # offsets refer to the text as it was BEFORE redaction
            "entities": [e.to_json() for e in entities],
            "redacted": redacting,
            "ner_language": ner_lang if self._uses_ner() else None,
        }
        if redacting:
            record.text = redact(record.text, entities)
        elif policy == "drop" and entities:
            record.drop(self.name, "pii")

    def _uses_ner(self) -> bool:
        return self.ner and bool(self._types & {PERSON, LOCATION})

    def _language(self, record: Record) -> str:
        lang = record.annotations.get("language", {}).get("lang")
        if not lang and self.context.declared_languages:
            lang = self.context.declared_languages[0]
        return str(lang or "en").lower().replace("_", "-").split("-")[0]

    def _ner_language(self, lang: str) -> str | None:
        if lang in self.ner_models:
            return lang
        return self.ner_fallback_language if self.ner_fallback_language in self.ner_models else None

    def _setup_languages(self) -> list[str]:
        wanted = [self._language_of_declared(lang) for lang in self.context.declared_languages] or ["en"]
        return sorted({lang for lang in (self._ner_language(w) for w in wanted) if lang})

    @staticmethod
    def _language_of_declared(lang: str) -> str:
        return lang.lower().replace("_", "-").split("-")[0]

    def describe(self) -> dict[str, Any]:
        return {
            "entity_types": self.entity_types,
            "score_threshold": self.score_threshold,
            "ner": self.ner,
            "ner_max_chars": self.ner_max_chars,
            "ner_models": self.ner_models,
            "ner_fallback_language": self.ner_fallback_language,
            "personal_urls": self.personal_urls,
        }


def _checked_rule(entity: Entity, text: str, lang: str) -> Entity | None:
    """A rule's candidate, or None when it is a noun read as a place or a cue's word that cannot be a name."""
    if _noun_read_as_place(entity, text, lang):
        return None
    return plausible(entity, text, lang, False) if entity.source in _CUE_SOURCES else entity
