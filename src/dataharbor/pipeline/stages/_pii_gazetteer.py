"""Person names from a first-name / surname gazetteer and from greeting, closing and role cues.

The name lists are Faker's person providers (MIT licence, see docs/stages/pii.md) for ten European
locales, lower-cased, minus en/fr/de stop words; built by `bench/accuracy/_pii_synth.py --build-gazetteer`.
Lookups are set membership per token, never regex alternations over names.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator, Set
from functools import cache
from itertools import accumulate
from pathlib import Path

from dataharbor.pipeline.stages._pii_context import word_set
from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import PERSON, Entity

_DATA = Path(__file__).resolve().parents[2] / "models" / "pii"
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

# the cue words of _GREETING, _CLOSING and _ROLE (lower-case), for the skips in find_gazetteer_names
_GREETING_CUES = (
    "hi", "hey", "hello", "dear", "thx", "thanks", "thank you", "cheers", "bye", "salut", "coucou", "bonjour",
    "bonsoir", "merci", "cher", "chère", "hallo", "servus", "moin", "danke", "liebe", "lieber", "it's", "it is",
    "this is", "c'est", "ici", "hier ist", "ich bin", "i'm", "i am",
)  # fmt: skip
_CLOSING_CUES = (
    "regards", "best", "cheers", "sincerely", "faithfully", "yours", "thanks", "cordialement", "bien à toi",
    "bien à vous", "amicalement", "salutations", "bises", "grüßen", "grüße", "gruß", "lg", "mfg",
)  # fmt: skip
# the end of a line holding a _CLOSING cue, read backwards: line break, spaces, one of ",.!", spaces, the cue
_CLOSING_LINE_BACKWARDS = re.compile(r"\n[ \t]*[,.!]?[ \t]*(?:" + "|".join(c[::-1] for c in _CLOSING_CUES) + ")")
# how a _ROLE match begins, without its lookbehind, on the lower-cased text (see Prescan.finditer)
_ROLE_CUES = (
    "holder", "owner", "customer", "client", "employee", "patient", "tenant", "applicant", "witness", "titulaire",
    "au nom de", "inhaber", "kunde", "kundin", "mitarbeiter", "mieter",
)  # fmt: skip
_ROLE_QUICK = re.compile(
    r"(?:holder|owner|customer|client|cliente|employee|patient|patientin|tenant|applicant|witness|titulaire|"
    r"au nom de|inhaber|inhaberin|kunde|kundin|mitarbeiter|mitarbeiterin|mieter|mieterin)[ \t]*:?[ \t]+[^\W\d_]"
)


@cache
def name_sets() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, surnames), lower-cased."""
    out = []
    for name in ("first_names", "surnames"):
        with gzip.open(_DATA / f"{name}.txt.gz", "rt", encoding="utf-8") as fh:
            out.append(frozenset(line.strip() for line in fh if line.strip()))
    return out[0], out[1]


@cache
def everyday_words() -> frozenset[str]:
    """Lower-cased words of everyday text: the safety model's vocabulary (words seen at least twice in its benign
    pool of news and web sentences in many languages, or in Tiny Shakespeare; 33k words)."""
    path = _DATA.parent / "safety" / "vocabulary.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return frozenset(fh.read().split())


def could_be_name(words: str) -> bool:
    """Whether a short line can be a person's name: a word of it is a known first name or surname, or a word of
    three letters or more is not an everyday word ("Carita Kujala"; not "Head Office", "Contact Us")."""
    if has_known_name(words):
        return True
    common = everyday_words()
    return any(len(w) >= 3 and w not in common for w in re.findall(r"[^\W\d_]+", words.lower()))


def has_known_name(words: str) -> bool:
    """Whether a word of `words` is a first name or surname of the gazetteer (any case)."""
    firsts, lasts = name_sets()
    return any(w in firsts or w in lasts for w in words.lower().split())


def _is_cap(token: str) -> bool:
    return token[0].isupper() and not (len(token) > 1 and token.isupper())


def _known(token: str, names: frozenset[str]) -> bool:
    low = token.lower().strip("'’")
    return low in names or ("-" in low and all(part in names for part in low.split("-") if part))


def find_gazetteer_names(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    firsts, lasts = name_sets()
    # one split gives the tokens (odd items) and what lies between them (even items), without match objects
    parts = scan.token_parts
    words, gaps = parts[1::2], parts[0::2]  # gaps[k] is the text before words[k]
    edges = list(accumulate(map(len, parts)))  # edges[2k] = start of words[k], edges[2k + 1] = its end
    distinct = scan.distinct_tokens
    _WORDS.learn(distinct)
    capitalised, openers, greetable = (
        distinct & _WORDS.capitalised,
        distinct & _WORDS.openers,
        distinct & _WORDS.greetable,
    )
    yield from _full_names(words, gaps, edges, capitalised, openers, lasts)
    if greetable and _after_cue(text, scan, [edges[2 * i] for i, w in enumerate(words) if w in greetable]):
        yield from _greetings(text, firsts, lasts)
    closing = "\n" in text and (not scan.lower_is_exact or _closing_line(scan))
    for matches, score in (
        (_CLOSING.finditer(text) if closing else (), 0.75),
        (scan.finditer(_ROLE, _ROLE_QUICK, on_lower=True) if scan.has_word(_ROLE_CUES) else (), 0.65),
    ):
        for m in matches:
            if m.group(1).split()[0].lower() not in _GENERIC:
                yield Entity(m.start(1), m.end(1), PERSON, score, "name_cue")


class _WordKinds:
    """Which tokens seen so far are capitalised, open a full name, or could be a greeted name. Pages share
    most of their words, so each is judged once and a page's words are sorted by set intersections."""

    _LIMIT = 1 << 19  # words remembered before starting afresh (memory bound)

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.capitalised: set[str] = set()
        self.openers: set[str] = set()
        self.greetable: set[str] = set()

    def forget(self) -> None:
        for known in (self.seen, self.capitalised, self.openers, self.greetable):
            known.clear()

    def learn(self, words: Set[str]) -> None:
        new = words - self.seen
        if not new:
            return
        if len(self.seen) + len(new) > self._LIMIT:
            self.forget()
            new = set(words)
        firsts, lasts = name_sets()
        for word in new:
            if _is_cap(word):
                self.capitalised.add(word)
                if _known(word, firsts):
                    self.openers.add(word)
            if _greetable(word.strip("'’-"), firsts, lasts):
                self.greetable.add(word)
        self.seen |= new


_WORDS = _WordKinds()


def forget_words() -> None:
    """Empty the memory of words judged: it holds the words of the texts read, which must not outlive a job."""
    _WORDS.forget()


def _closing_line(scan: Prescan) -> bool:
    """Whether a line of the lower-cased text ends with a _CLOSING cue (then spaces, one of ",.!", spaces):
    one search of the reversed text from each line break (every cue ends with a letter)."""
    return _CLOSING_LINE_BACKWARDS.search(scan.backwards) is not None


def _greetable(token: str, firsts: frozenset[str], lasts: frozenset[str]) -> bool:
    return _known(token, firsts) or (_is_cap(token) and _known(token, lasts))


def _greetings(text: str, firsts: frozenset[str], lasts: frozenset[str]) -> Iterator[Entity]:
    for m in _GREETING.finditer(text):
        token = m.group(1).strip("'’-")
        low = token.lower()
        if low in _GENERIC:
            continue
        if _greetable(token, firsts, lasts):
            yield Entity(m.start(1), m.start(1) + len(token), PERSON, 0.7, "greeting_gazetteer")


def _after_cue(text: str, scan: Prescan, starts: list[int]) -> bool:
    """Whether a token _GREETING would accept, starting at one of `starts`, could follow a greeting cue.

    A _GREETING match's name is a whole token after a space or tab, and its cue ends with a letter right
    before those spaces (and a comma): a text where no known name sits so yields nothing from _GREETING.
    """
    for start in starts:
        end = start
        while end > 0 and text[end - 1] in " \t":
            end -= 1
        if end == start:
            continue  # the name needs a space or tab right before it
        if end > 0 and text[end - 1] == ",":
            end -= 1
            while end > 0 and text[end - 1] in " \t":
                end -= 1
        if not scan.lower_is_exact or scan.lower.endswith(_GREETING_CUES, 0, end):
            return True
    return False


def _full_names(
    words: list[str],
    gaps: list[str],
    edges: list[int],
    capitalised: Set[str],
    openers: Set[str],
    lasts: frozenset[str],
) -> Iterator[Entity]:
    """Runs of capitalised tokens holding a known first name: "Anna Maria Faltyn", "Stephen"."""
    after = -1  # tokens up to here belong to the last run
    for i in [i for i, w in enumerate(words) if w in openers]:
        if i <= after:
            continue
        word = words[i]
        j = i
        # more capitalised tokens separated by a single space: middle names, then the surname
        while j + 1 < len(words) and j - i < 3 and gaps[j + 1] == " " and words[j + 1] in capitalised:
            j += 1
        after_prefix = i > 0 and words[i - 1].lower() in _PLACE_PREFIX and gaps[i] in (" ", "-")
        if j > i and not after_prefix:
            score = 0.8 if _known(words[j], lasts) else 0.6
            yield Entity(edges[2 * i], edges[2 * j + 1], PERSON, score, "gazetteer_full")
        elif j == i and not after_prefix and word.lower() not in _AMBIGUOUS:
            yield Entity(edges[2 * i], edges[2 * i + 1], PERSON, 0.55, "gazetteer_single")
        after = j
