"""Places the NER misses: invented or foreign town names after a place preposition ("in Port Russell",
"à Lefort", "wohnt in Hettstedt"), a postcode followed by a town ("96401 Wurzen"), and US military
postal addresses ("PSC 3180, Box 2433, APO AE 98300")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dataharbor.pipeline.stages._pii_context import word_set
from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import ADDRESS, LOCATION, Entity

_CAP = r"[^\W\d_a-z][^\W\d_A-Z]+(?:-[^\W\d_][^\W\d_]*)*"
_JOIN = r"(?:[ -](?:sur|sous|en|le|la|les|de|du|des|am|an|der|im|bei|upon|on)[ -]|[ -])"
# lower-case prepositions only: "In" starting a sentence is not a place cue
_PLACE_CUE = re.compile(rf"(?<![\w'’])(?:in|from|near|à|aus|nach)[ \t]+({_CAP}(?:{_JOIN}{_CAP}){{0,2}})(?![\w'’])")
# how a _PLACE_CUE match begins, without its lookbehind (see Prescan.finditer)
_PLACE_CUE_QUICK = re.compile(r"(?:in|from|near|à|aus|nach)[ \t]+[^\W\d_a-z]")
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
