"""Person names from a first-name / surname gazetteer and from greeting, closing and role cues.

The name lists are Faker's person providers (MIT licence, see docs/stages/pii.md) for ten European
locales, lower-cased, minus en/fr/de stop words; built by `bench/accuracy/_pii_synth.py --build-gazetteer`.
Lookups are set membership per token, never regex alternations over names.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from dataharbor.pipeline.stages._pii_context import word_set
from dataharbor.pipeline.stages._pii_types import PERSON, Entity

_DATA = Path(__file__).resolve().parents[2] / "models" / "pii"
_TOKEN = re.compile(r"[^\W\d_][\w'’-]*")
# a capitalised word with at least one lower-case letter (acronyms like "NHS" are not names)
_CAP = r"[^\W\d_a-z](?=[^\W\d_]*[^\W\d_A-Z])[^\W\d_]*(?:[-'’][^\W\d_]+)*"
# first names that are also everyday words, months or places: only as part of a full name
_AMBIGUOUS = word_set(
    "april may june august bill mark grant guy chase rose hope faith joy art page victoria georgia florence "
    "austin jordan paris lincoln sky summer autumn dawn river will patience charity story china india "
    "brooke destiny heather holly ivy jasmine lily daisy iris ruby amber crystal pearl olive violet "
    "sunny angel king prince major rich pat sue"
)
# capitalised words that start place names: "Port Russell" is a town, not a Mr Russell
_PLACE_PREFIX = word_set(
    "port north south east west new fort mount lake saint st sainte san santa bad sankt upper lower "
    "great little west rue avenue street"
)
# addressees that are not names ("Dear Customer", "Hallo zusammen")
_GENERIC = word_set(
    "all team everyone everybody customer customers client clients sir madam colleagues friends folks guys "
    "there world tous toutes monsieur madame mesdames messieurs amis collègues zusammen kollegen kunde kunden "
    "leute herr frau damen herren"
)
_GREETING = re.compile(
    r"(?<!\w)(?i:hi|hey|hello|dear|thx|thanks|thank you|cheers|bye|salut|coucou|bonjour|bonsoir|merci|"
    r"cher|chère|hallo|servus|moin|danke|liebe|lieber|it's|it is|this is|c'est|ici|hier ist|ich bin|i'm|i am)"
    r"[ \t]*,?[ \t]+([^\W\d_][\w'’-]*)"
)
_CLOSING = re.compile(
    r"(?i:regards|best|cheers|sincerely|faithfully|yours|thanks|cordialement|bien à (?:toi|vous)|amicalement|"
    r"salutations|bises|grüßen|grüße|gruß|lg|mfg)[ \t]*[,.!]?[ \t]*\n[ \t]*"
    rf"({_CAP}(?:[ \t]+{_CAP}){{0,3}})[ \t]*(?=\n|$)"
)
_ROLE = re.compile(
    r"(?<!\w)(?i:holder|owner|customer|client|cliente|employee|patient|patientin|tenant|applicant|witness|"
    r"titulaire|au nom de|inhaber|inhaberin|kunde|kundin|mitarbeiter|mitarbeiterin|mieter|mieterin)"
    rf"[ \t]*:?[ \t]+({_CAP}(?:[ \t]+{_CAP}){{0,3}})"
)


@cache
def name_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames), lower-cased."""
    out = []
    for name in ("first_names", "surnames"):
        with gzip.open(_DATA / f"{name}.txt.gz", "rt", encoding="utf-8") as fh:
            out.append(frozenset(line.strip() for line in fh if line.strip()))
    return out[0], out[1]


def _is_cap(token: str) -> bool:
    return token[0].isupper() and not (len(token) > 1 and token.isupper())


def _known(token: str, names: frozenset[str]) -> bool:
    low = token.lower().strip("'’")
    return low in names or ("-" in low and all(part in names for part in low.split("-") if part))


def find_gazetteer_names(text: str) -> Iterator[Entity]:
    firsts, lasts = name_sets()
    yield from _full_names(text, firsts, lasts)
    for m in _GREETING.finditer(text):
        token = m.group(1).strip("'’-")
        low = token.lower()
        if low in _GENERIC:
            continue
        if _known(token, firsts) or (_is_cap(token) and _known(token, lasts)):
            yield Entity(m.start(1), m.start(1) + len(token), PERSON, 0.7, "greeting_gazetteer")
    for pattern, score in ((_CLOSING, 0.75), (_ROLE, 0.65)):
        for m in pattern.finditer(text):
            if m.group(1).split()[0].lower() not in _GENERIC:
                yield Entity(m.start(1), m.end(1), PERSON, score, "name_cue")


def _full_names(text: str, firsts: frozenset[str], lasts: frozenset[str]) -> Iterator[Entity]:
    """Runs of capitalised tokens holding a known first name: "Anna Maria Faltyn", "Stephen"."""
    tokens = [m for m in _TOKEN.finditer(text)]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.group()
        if not (_is_cap(word) and _known(word, firsts)):
            i += 1
            continue
        j = i
        # more capitalised tokens separated by a single space: middle names, then the surname
        while (
            j + 1 < len(tokens)
            and j - i < 3
            and tokens[j + 1].start() - tokens[j].end() == 1
            and text[tokens[j].end()] == " "
            and _is_cap(tokens[j + 1].group())
        ):
            j += 1
        prev = tokens[i - 1] if i else None
        after_prefix = (
            prev is not None and prev.group().lower() in _PLACE_PREFIX and text[prev.end() : tok.start()] in (" ", "-")
        )
        if j > i and not after_prefix:
            last = tokens[j].group()
            score = 0.8 if _known(last, lasts) else 0.6
            yield Entity(tok.start(), tokens[j].end(), PERSON, score, "gazetteer_full")
        elif j == i and not after_prefix and word.lower() not in _AMBIGUOUS:
            yield Entity(tok.start(), tok.end(), PERSON, 0.55, "gazetteer_single")
        i = j + 1
