"""Places the NER misses: invented or foreign town names after a place preposition ("in Port Russell",
"à Lefort", "wohnt in Hettstedt") or a verb of arriving ("returned to Blaketown"), towns of a place-name
gazetteer ("Zafferana Etnea"), a postcode followed by a town ("96401 Wurzen"), and US military postal
addresses ("PSC 3180, Box 2433, APO AE 98300").

The gazetteer (`models/pii/places.txt.gz`) is the real place-name lists of Faker's address providers (MIT
licence, see docs/stages/pii.md), built by `bench/accuracy/_pii_refill.py --build-places`."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from dataharbor.pipeline.stages._pii_context import word_set
from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import ADDRESS, LOCATION, Entity

_CAP = r"[^\W\d_a-z][^\W\d_A-Z]+(?:-[^\W\d_][^\W\d_]*)*"
_JOIN = r"(?:[ -](?:sur|sous|en|le|la|les|de|du|des|am|an|der|im|bei|upon|on)[ -]|[ -])"
# lower-case prepositions only: "In" starting a sentence is not a place cue
_PLACE_CUE = re.compile(rf"(?<![\w'’])(?:in|from|near|à|aus|nach)[ \t]+({_CAP}(?:{_JOIN}{_CAP}){{0,2}})(?![\w'’])")
# how a _PLACE_CUE match begins, without its lookbehind (see Prescan.finditer)
_PLACE_CUE_QUICK = re.compile(r"(?:in|from|near|à|aus|nach)[ \t]+[^\W\d_a-z]")
# a place after a verb of arriving or returning, or a form label: "returned to Blaketown", "arrived at Nugeri",
# "Where: Kouklia Country Club" (capitalised words only: "returned to work" is not a place)
_ARRIVAL_CUE = re.compile(
    r"(?<![\w'’])(?:(?:returned|moved|went|came|flew|drove|travell?ed|relocated|headed|"
    r"arrived|arriving|emigrated|commute[sd]) (?:to|at|in)|(?i:where|location|venue|city|town|hometown|"
    r"birthplace|place of birth)[ \t]*:)[ \t]+"
    rf"({_CAP}(?:{_JOIN}{_CAP}){{0,2}})(?![\w'’])"
)
# the tokens that open an _ARRIVAL_CUE match, and how the match begins after each (without the lookbehind, on
# the lower-cased text): a text is searched only for the cues whose first word it holds (see _arrival_quick)
_ARRIVAL_VERBS = (
    "returned", "moved", "went", "came", "flew", "drove", "traveled", "travelled", "relocated", "headed",
    "arrived", "arriving", "emigrated", "commutes", "commuted",
)  # fmt: skip
_ARRIVAL_LABELS = ("where", "location", "venue", "city", "town", "hometown", "birthplace", "place")
_ARRIVAL_STARTS: dict[str, str] = {
    **{verb: verb + r" (?:to|at|in)[ \t]" for verb in _ARRIVAL_VERBS},
    **{label: label + r"[ \t]*:" for label in _ARRIVAL_LABELS},
    "place": r"place of birth[ \t]*:",
}
_ARRIVAL_WORDS: dict[str, str] = {
    form: word for word in _ARRIVAL_STARTS for form in (word, word.capitalize(), word.upper())
}
_ARRIVAL_TOKENS = frozenset(_ARRIVAL_WORDS)
# the head noun of a venue named after its town: "Kouklia Country Club" holds the town "Kouklia"
_VENUE = re.compile(
    r"[ -](?:Country|Golf|Yacht|Tennis|Sports|Football|Rugby|Cricket|Social|Community|Town|City|Village|Civic|"
    r"Club|Hall|Center|Centre|Airport|Station|Hotel|Park|Church|Cathedral|Stadium|Arena|School|College|"
    r"University|Hospital|Library|Museum|Theatre|Theater|Harbour|Harbor|Marina|Mall|Market)\b.*$"
)
_DATA = Path(__file__).resolve().parents[2] / "models" / "pii"
# a run of capitalised (or all-caps) words, joined by the small words of town names ("Ústí nad Labem",
# "Castel di Sangro"); a run is looked up in the gazetteer at every start, longest first
_GAZ_WORD = r"[^\W\d_a-z][\w'’-]*"
_GAZ_RUN = re.compile(
    rf"(?<![\w'’-]){_GAZ_WORD}(?:[ ](?:(?:di|de|del|della|dei|da|do|dos|la|le|les|el|los|las|an|am|der|im|"
    rf"bei|nad|pod|sur|sous|en|upon|on|op|aan|ter|te|y|i)[ ])?{_GAZ_WORD}){{0,4}}"
)
_GAZ_MAX_WORDS = 5
_LOWER_PLACE_CUE = re.compile(
    r"(?<![\w'’])(?:in|from|to|at|near|where:|city:|town:|location:|grew up in|moved to)[ \t]+(?=[^\W\d_])"
)
_WORD_IN_RUN = re.compile(r"\S+")
_COMMON_VENUE_WORDS = word_set("main great grand old new central north south east west upper lower big little royal")
_POSTCODE_TOWN = re.compile(rf"(?:^|(?<=[,\n]))[ \t]*(\d{{5}})[ \t]+({_CAP}(?:{_JOIN}{_CAP}){{0,3}})", re.MULTILINE)
_MILITARY = re.compile(
    r"(?<!\w)(?:PSC \d{3,5}, Box \d{3,5}|Unit \d{3,5} Box \d{3,5}|(?:USNS|USNV|USS|USCGC) [A-Z][a-z]+),?\s+"
    r"(?:APO|FPO|DPO) (?:AA|AE|AP) \d{5}(?!\w)"
)
# capitalised words after "in" that are not places: months, weekdays, languages, and German nouns
# that follow "in" as often as towns do
_NOT_PLACE = word_set(
    "january february march april may june july august september october november december "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "januar februar märz juni juli oktober dezember "
    "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi "
    "dimanche montag dienstag mittwoch donnerstag freitag samstag sonntag "
    "english french german spanish italian anglais français allemand deutsch englisch französisch "
    "q1 q2 q3 q4 excel python word ordnung kraft höhe zukunft rechnung betrieb arbeit bezug verbindung frage "
    "ruhe eile kürze summe zusammenarbeit anspruch teilzeit vollzeit urlaub rente elternzeit "
    "i it this that the a an my our your his her their we you they he she"
)


def find_places(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    for m in prescan(text, scan).finditer(_PLACE_CUE, _PLACE_CUE_QUICK):
        if m.group(1).split()[0].split("-")[0].lower() not in _NOT_PLACE:
            yield Entity(m.start(1), m.end(1), LOCATION, 0.55, "place_cue")


def find_arrival_places(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    """Capitalised words after a verb of arriving / returning or a place label; a trailing venue
    noun is cut off ("Kouklia Country Club" -> "Kouklia")."""
    scan = prescan(text, scan)
    present = frozenset(_ARRIVAL_WORDS[w] for w in scan.distinct_tokens & _ARRIVAL_TOKENS)
    if not present:
        return
    for m in scan.finditer(_ARRIVAL_CUE, _arrival_quick(present), on_lower=True):
        name = _VENUE.sub("", m.group(1))
        if name != m.group(1) and " " not in name and name.lower() in _COMMON_VENUE_WORDS:
            continue  # "Location: Main Hall"
        if name and name.split()[0].split("-")[0].lower() not in _NOT_PLACE:
            yield Entity(m.start(1), m.start(1) + len(name), LOCATION, 0.55, "place_cue")


@cache
def place_names() -> frozenset[str]:
    """Lower-cased place names of the gazetteer."""
    with gzip.open(_DATA / "places.txt.gz", "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def find_gazetteer_places(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    """Capitalised words that are a known place name, longest first. Each name is indexed by its longest word
    ("Spezia" for "La Spezia"): one set intersection with the text's tokens finds the few places to look at.
    A single word must not also occur in lower case in the text (then it is an everyday word there) and must
    not open a line or sentence followed by other capitalised words (a Title Case heading)."""
    scan = prescan(text, scan)
    keys = _place_keys()
    hits = scan.distinct_tokens & _place_key_set()
    if not hits:
        return
    found: list[tuple[int, int]] = []
    for key in hits:
        for pos in _occurrences(text, key):
            best = None
            for before, name in keys[key]:
                start = _words_back(text, pos, before)
                end = start + len(name)
                if start < 0 or scan.lower[start:end] != name or not text[start].isupper():
                    continue
                if end < len(text) and (text[end].isalnum() or text[end] in "'’-_"):
                    continue
                if best is None or end - start > best[1] - best[0]:
                    best = (start, end)
            if best is not None and (" " in text[best[0] : best[1]] or _lone_place_ok(text, scan, *best)):
                found.append(best)
    covered = -1
    for start, end in sorted(found, key=lambda se: (se[0], -se[1])):
        if start >= covered:
            covered = end
            yield Entity(start, end, LOCATION, 0.55, "place_gazetteer")


@cache
def _place_keys() -> dict[str, tuple[tuple[int, str], ...]]:
    """Capitalised longest word of each gazetteer name -> (words before it in the name, the name)."""
    keys: dict[str, list[tuple[int, str]]] = {}
    for name in place_names():
        words = name.split()
        index = max(range(len(words)), key=lambda i: len(words[i]))
        key = words[index][:1].upper() + words[index][1:]
        keys.setdefault(key, []).append((index, name))
    return {key: tuple(entries) for key, entries in keys.items()}


@cache
def _place_key_set() -> frozenset[str]:
    return frozenset(_place_keys())


def _words_back(text: str, pos: int, count: int) -> int:
    """The start of the word `count` words before the one at `pos` (single spaces between), or -1."""
    for _ in range(count):
        if pos < 2 or text[pos - 1] != " ":
            return -1
        pos = text.rfind(" ", 0, pos - 1) + 1
    return pos


def _occurrences(text: str, word: str) -> Iterator[int]:
    """Where `word` stands as a whole token (`str.find`, no regex pass over the text)."""
    pos = text.find(word)
    while pos >= 0:
        end = pos + len(word)
        before = text[pos - 1] if pos else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "'’-_") and not (after.isalnum() or after in "'’-_"):
            yield pos
        pos = text.find(word, end)


def find_lowercase_places(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    """In a text written all in lower case (chat), a known place name right after a place word ("returned to
    trelleborg", "where: valpovo country club"), longest match first."""
    lower = prescan(text, scan).lower
    if lower != text:
        return
    places = place_names()
    for m in _LOWER_PLACE_CUE.finditer(text):
        words = list(_WORD_IN_RUN.finditer(text, m.end(), min(len(text), m.end() + 60)))[:_GAZ_MAX_WORDS]
        for j in range(len(words), 0, -1):
            start, end = words[0].start(), words[j - 1].end()
            while end > start and text[end - 1] in ".,;:!?)":
                end -= 1
            if text[start:end] in places:
                yield Entity(start, end, LOCATION, 0.55, "place_gazetteer")
                break


def _lone_place_ok(text: str, scan: Prescan, start: int, end: int) -> bool:
    if scan.lower[start:end] in scan.distinct_tokens:
        return False  # written in lower case elsewhere: a common word of this text
    run = _GAZ_RUN.match(text, start)
    if run is None or run.end() <= end:
        return True
    # the first word of a Title Case line or sentence ("Tarnów Chess Open results") is too often a heading
    before = text[max(0, start - 2) : start]
    return start > 0 and not (before.endswith("\n") or before in (". ", "! ", "? "))


@cache
def _arrival_quick(words: frozenset[str]) -> re.Pattern[str]:
    return re.compile("|".join(_ARRIVAL_STARTS[w] for w in sorted(words)))


def find_postal_blocks(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    if scan.group_digits < 5:
        return
    for m in _POSTCODE_TOWN.finditer(text):
        yield Entity(m.start(1), m.end(2), ADDRESS, 0.6, "postcode_town")
    if not scan.has("APO", "FPO", "DPO"):
        return
    for m in _MILITARY.finditer(text):
        yield Entity(m.start(), m.end(), ADDRESS, 0.85, "us_military")
