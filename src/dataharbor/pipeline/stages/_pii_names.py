"""Person names from cues that NER models miss: honorifics ("Mrs. Kupcová", "M. Dupont") and
self-introductions ("my name is …", "je m'appelle …"), including lower-case names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import PERSON, Entity

_CAP = r"[^\W\d_a-z][\w'’-]*"  # a capitalised word, any script
_ANY = r"[^\W\d_][\w'’-]*"

_TITLE = re.compile(
    r"(?<!\w)(?:(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Dame|Mme|Mlle|Herr|Frau|Sra|Srta)\.?[ \t]+|"
    r"(?:M|Me|Pr|Fr|Hr|Sr|Sig)\.[ \t]*)"  # short ones only with their dot
    rf"({_CAP}(?:[ -]{_CAP}){{0,2}})",
)
# ms. wijtze: honorific typed in lower case, still followed by a name
_TITLE_LOWER = re.compile(rf"(?<!\w)(?i:mr|mrs|ms|miss|dr|mme|mlle)\.\s*({_ANY}(?: {_ANY})?)(?!\w)")
_INTRO = re.compile(
    r"(?<!\w)(?i:(?:my|his|her|their|your|partner's|partner’s)\s+(?:(?:first|last|full|sur|given|maiden)\s*)?name\s+(?:is|was|:)|"
    r"(?:first|last|full|sur)\s*name\s*[:?]|name\s*:|call(?:s)? me|called me|"
    r"je m'appelle|je m’appelle|mon nom est|mon nom:|nom\s*:|prénom\s*:|"
    r"ich heiße|mein name ist|name ist)\s*"
    rf"({_ANY}(?:[ -]{_CAP}){{0,2}})",
)
# "<Name> lives on …", "<Name> was born in …": a capitalised subject of a biography verb
_SUBJECT = re.compile(
    rf"(?<![\w.])({_CAP}(?: {_CAP})?)[ \t]+(?:lives|lived|was born|grew up|habite|est née?|wohnt|wurde geboren)(?!\w)"
)
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "was",
        "and",
        "or",
        "but",
        "not",
        "it",
        "this",
        "that",
        "here",
        "there",
        "please",
        "sir",
        "madam",
        "me",
        "my",
        "your",
        "his",
        "her",
        "our",
        "their",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "as",
        "just",
        "also",
        "very",
        "so",
        "le",
        "la",
        "les",
        "un",
        "une",
        "de",
        "du",
        "des",
        "et",
        "est",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "who",
        "everyone",
        "nobody",
        "someone",
        "il",
        "elle",
        "on",
        "er",
        "sie",
    ]
)


# how each match of the pattern above begins, without its lookbehind: `re` jumps to these (see Prescan.finditer)
_TITLE_QUICK = re.compile(
    r"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sir|Dame|Mme|Mlle|Herr|Frau|Sra|Srta|M|Me|Pr|Fr|Hr|Sr|Sig)[. \t]"
)
_TITLE_LOWER_QUICK = re.compile(r"(?:mr|mrs|ms|miss|dr|mme|mlle)\.")  # on the lower-cased text
# the same cues read backwards from their dot: `re` jumps to each "." instead of each "m" and "d"
_TITLE_LOWER_BACKWARDS = re.compile(r"\.(?:rm|srm|sm|ssim|rd|emm|ellm)")  # on Prescan.backwards
_INTRO_QUICK = re.compile(
    r"(?:my|his|her|their|your|partner['’]s|first|last|full|sur|name|call|je m|mon nom|nom|prénom|ich heiße|mein name)"
)  # on the lower-cased text
# every _INTRO cue holds one of these (lower-cased): a text without one is skipped at once
_INTRO_CUE = re.compile(r"name\s*(?:[:?]|is|was|ist)|calls? me|called me|je m['’]appelle|mon nom|nom\s*:|ich heiße")
_INTRO_WORDS = ("nam", "nom", "call", "appelle", "heiße")  # one is in every _INTRO_CUE match
_SUBJECT_TEXT = ("lives", "lived", "was born", "grew up", "habite", "est né", "wohnt", "wurde geboren")


def find_names(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    exact = scan.lower_is_exact
    intro = not exact or (scan.has_word(_INTRO_WORDS) and _INTRO_CUE.search(scan.lower) is not None)
    title_lower = not exact or _TITLE_LOWER_BACKWARDS.search(scan.backwards) is not None
    for matches, score in (
        (scan.finditer(_TITLE, _TITLE_QUICK), 0.8),
        (scan.finditer(_TITLE_LOWER, _TITLE_LOWER_QUICK, on_lower=True) if title_lower else (), 0.7),
        (scan.finditer(_INTRO, _INTRO_QUICK, on_lower=True) if intro else (), 0.75),
        (_SUBJECT.finditer(text) if scan.has(*_SUBJECT_TEXT) else (), 0.6),
    ):
        for m in matches:
            start = m.start(1)
            end = start
            # stop the name at the first function word ("call me Roland but …")
            for word in re.finditer(r"\S+", m.group(1)):
                if word.group().lower().strip("'’-") in _NOT_NAMES:
                    break
                end = start + word.end()
            if end > start:
                yield Entity(start, end, PERSON, score, "name_cue")
