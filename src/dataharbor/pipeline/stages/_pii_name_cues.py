"""Person names from sentence cues that NER models and the honorific / introduction rules miss:

- a possessive before a personal noun: "here's Arne's address", "Martin's phone number";
- reported speech: "said Honoré to James", "asked Lena";
- the subject of a biography verb or a name after an account cue, written in lower case: "nicolas lives on …",
  "it's under my partner's name ivan poulsen";
- "mr" / "mrs" without a dot, in lower case: "mrs laura hranj".

A capitalised word is enough where the cue is specific; a lower-case word must be a known first name (the
gazetteer of `_pii_gazetteer`), so "said nothing to anyone" stays out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from dataharbor.pipeline.stages._pii_context import word_set
from dataharbor.pipeline.stages._pii_gazetteer import has_known_name, name_sets
from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import PERSON, Entity

_ANY = r"[^\W\d_][\w'’-]*"
_WORD = r"[^\W\d_][\w-]*"  # no apostrophe: "here's Arne's" holds two possessives
_PERSONAL_NOUNS = (
    r"address|home address|phone|phone number|mobile|email|e-mail|birthday|wife|husband|mother|mom|mum|father|"
    r"dad|son|daughter|brother|sister|boyfriend|girlfriend|surname|last name"
)
# each cue is found by its rarer part first (no lookbehind in front, so `re` jumps to it), then the name next
# to it is read in a short window
_POSSESSIVE_CUE = re.compile(rf"['’]s[ \t]+(?:{_PERSONAL_NOUNS})(?!\w)")  # on the lower-cased text
_NAME_BEFORE_POSSESSIVE = re.compile(rf"(?<![\w'’-])({_WORD}(?:[ ][^\W\d_a-z][\w-]*)?)\Z")
_SPEECH = re.compile(
    # lower-case verbs only: "Frequently Asked Questions" is a heading
    rf"(?:said|asked|told|replied|answered|shouted|whispered|yelled|texted|wrote)[ \t]+({_ANY})"
    rf"(?:[ \t]+to[ \t]+({_ANY}))?(?![\w'’-])"
)
_UNDER_NAME = re.compile(  # on the lower-cased text (same offsets)
    rf"under (?:my |his |her |our |their )?(?:\w+['’]s )?name[ \t]+({_ANY}(?:[ \t]+{_ANY})?)(?![\w'’-])"
)
_SUBJECT_VERB = re.compile(r"(?:lives|lived|was born|grew up|had given|listed (?:his|her))(?!\w)")
_SUBJECT_BEFORE = re.compile(rf"(?:^|(?<=[\n.!?] )|(?<=\n))({_ANY}(?: {_ANY})?)[ \t]+\Z")
_LOWER_TITLE = re.compile(rf"(?:mr|mrs)[ \t]+({_ANY}(?: {_ANY})?)(?![\w'’-])")
# the tokens a cue needs in the text (one set intersection decides whether it is looked for)
_SPEECH_WORDS = frozenset("said asked told replied answered shouted whispered yelled texted wrote".split())
_SUBJECT_WORDS = frozenset("lives lived born grew given listed".split())
_TITLE_WORDS = frozenset({"mr", "mrs"})
_LOWER_WORDS = _SUBJECT_WORDS | _TITLE_WORDS
_POSSESSIVE_WORDS = frozenset(
    form
    for base in (
        "address phone mobile email e-mail birthday wife husband mother mom mum father dad son daughter brother "
        "sister boyfriend girlfriend surname last home"
    ).split()
    for form in (base, base.capitalize(), base.upper())
)
_NAME_WORDS = frozenset({"name", "Name", "NAME"})
_CUE_TOKENS = _SPEECH_WORDS | _LOWER_WORDS | _POSSESSIVE_WORDS | _NAME_WORDS
# capitalised words a cue may take that are not people ("said The", "Google's address", "told Congress")
_NOT_NAMES = word_set(
    "i you he she it we they me him her us them this that the a an there here nothing everyone someone "
    "anyone nobody everybody somebody company firm team office bank hotel shop store website site app "
    "google apple amazon microsoft facebook twitter congress parliament police court government "
    "yes no ok okay hello hi thanks please sorry well so then now today yesterday tomorrow "
    "mr mrs ms dr sir madam customer client user"
)
# words that end a lower-case name: function words and the verbs that follow a subject
_NOT_SECOND = _NOT_NAMES | word_set(
    "and or but to of in on at for with from by is was are were has had have said says asked told lives lived "
    "will would can could should did does do not also just who which when where as if than then"
)


def find_cue_names(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    words = scan.distinct_tokens
    if words.isdisjoint(_CUE_TOKENS):
        return
    spans: list[tuple[int, int, float, bool]] = []  # start, end, score, needs a known name
    if words & _POSSESSIVE_WORDS and ("'s " in text or "’s " in text) and scan.lower_is_exact:
        for m in _POSSESSIVE_CUE.finditer(scan.lower):
            name = _NAME_BEFORE_POSSESSIVE.search(text, max(0, m.start() - 60), m.start())
            if name:
                spans.append((name.start(1), name.end(1), 0.6, False))
    if words & _SPEECH_WORDS:
        # a verb of speech is followed by many capitalised words that are not people ("said Monday", "told
        # Reuters", "wrote Python code"): there the name must be one the gazetteer knows
        for m in _SPEECH.finditer(text):
            if _word_start(text, m):
                spans.extend((m.start(g), m.end(g), 0.6, True) for g in (1, 2) if m.group(g) is not None)
    if words & _NAME_WORDS and "under " in scan.lower and scan.lower_is_exact:
        spans.extend(
            (m.start(1), m.end(1), 0.7, False) for m in _UNDER_NAME.finditer(scan.lower) if _word_start(text, m)
        )
    # lower-case subjects and titles are looked for in texts written all in lower case (chat) only
    all_lower = bool(words & _LOWER_WORDS) and scan.lower == text
    if all_lower:
        for m in _SUBJECT_VERB.finditer(text):
            subject = _SUBJECT_BEFORE.search(text, max(0, m.start() - 60), m.start())
            if subject:
                spans.append((subject.start(1), subject.end(1), 0.6, False))
    if all_lower and words & _TITLE_WORDS:
        for m in _LOWER_TITLE.finditer(text):
            if _word_start(text, m):
                spans.append((m.start(1), m.end(1), 0.6, False))
    if not spans:
        return
    firsts, lasts = name_sets()
    for start, end, score, needs_known in spans:
        span = _name_span(text, start, end, firsts, lasts)
        if span is None or (needs_known and not has_known_name(text[span[0] : span[1]])):
            continue
        yield Entity(span[0], span[1], PERSON, score, "name_cue")


def _word_start(text: str, m: re.Match[str]) -> bool:
    """Whether a cue match starts a word (its pattern has no lookbehind, so `re` can jump to its letters)."""
    return m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] in "'’-._")


def _name_span(
    text: str, start: int, end: int, firsts: frozenset[str], lasts: frozenset[str]
) -> tuple[int, int] | None:
    """The name within a cue's group: capitalised words, or a known first name (+ a following word) in lower
    case; None when the first word is a function word or an unknown lower-case word."""
    if start < 0 or end <= start:
        return None
    words = list(re.finditer(r"\S+", text[start:end]))
    first = words[0].group().strip("'’-")
    low = first.lower()
    if low in _NOT_NAMES or len(low) < 2:
        return None
    if first[:1].isupper():
        kept = [w for w in words if w.group()[:1].isupper() and w.group().lower() not in _NOT_NAMES]
        if len(kept) != len(words):
            kept = words[:1]
        return start, start + kept[-1].end()
    if low not in firsts and low not in lasts:
        return None
    if len(words) > 1 and words[1].group().isalpha() and words[1].group().lower() not in _NOT_SECOND:
        return start, start + words[1].end()
    return start, start + words[0].end()
