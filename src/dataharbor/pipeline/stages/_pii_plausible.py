"""Plausibility checks on NER names and places: small models tag capitalised words by their shape,
so salutations ("Madame, Monsieur"), headings ("Volunteer guide"), sentence-initial words, month names,
institutions ("the Library Committee") and, in German read by the English model, every noun come out
as people or places. Each check is a rule about the kind of word, not a list of words seen in one text."""

from __future__ import annotations

import re

from dataharbor.pipeline.stages._pii_context import word_set
from dataharbor.pipeline.stages._pii_gazetteer import name_sets
from dataharbor.pipeline.stages._pii_types import LOCATION, PERSON, Entity

# salutations and honorifics: a title, never a name on its own ("Dear Sir or Madam", "Sehr geehrte Damen und Herren")
HONORIFICS = word_set(
    "mr mrs ms mx miss sir madam madame dame lord lady dear monsieur messieurs mesdames mademoiselle mesdemoiselles "
    "mme mlle m me cher chère chers chères herr herrn herren frau frauen damen fräulein liebe lieber geehrte geehrter "
    "sehr señor señora señores señoras señorita sr sra srta signore signora signor signorina sig "
    "senhor senhora dr prof professor doctor docteur doktor or and et und y e"
)
# head nouns of institutions, bodies and documents: "City Library", "Comité de lecture", "Vereinte Nationen"
_INSTITUTION = word_set(
    "library libraries committee council board university college school academy museum hospital clinic church "
    "association society club department ministry office agency foundation institute institution company "
    "corporation bank court parliament assembly charter declaration convention nations union commission award prize "
    "member members membre membres mitglied mitglieder mitgliedstaaten "
    "guide report minutes notice team service services "
    "bibliothèque médiathèque comité conseil université école collège académie musée hôpital clinique église "
    "société ministère bureau agence fondation institut entreprise banque tribunal parlement assemblée charte "
    "déclaration commission prix rapport "
    "bibliothek bücherei ausschuss rat universität hochschule schule akademie museum krankenhaus klinik kirche "
    "verein gesellschaft ministerium amt behörde stiftung institut firma bank gericht parlament versammlung charta "
    "erklärung kommission preis bericht"
)
# months and weekdays (en, fr, de, es): dates, not people or places
_CALENDAR = word_set(
    "january february march april may june july august september october november december "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
    "januar februar märz juni juli oktober dezember "
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre "
    "monday tuesday wednesday thursday friday saturday sunday lundi mardi mercredi jeudi vendredi samedi "
    "dimanche montag dienstag mittwoch donnerstag freitag samstag sonntag "
    "lunes martes miércoles jueves viernes sábado domingo"
)
# languages that capitalise every noun: a model of another language reads each noun as a name
NOUN_CAPITALISING = frozenset({"de", "lb"})
# German abstract-noun endings: "Freiheit", "Wohnung", "Gemeinschaft" are not places (not -chen/-ungen:
# towns end so, "Euskirchen", "Melsungen")
_NOUN_SUFFIX = re.compile(r"(?:ung|heit|heiten|keit|keiten|schaft|schaften|nis|nisse|tum|tät|ismus)$")
_PLACE_PREPOSITION = word_set("in im aus nach bei von vom nahe zwischen ab bis")
# a capitalised article opening a German entity ("Des Weiteren", "Die Bevölkerung") marks a common noun
_ARTICLES = word_set("der die das des dem den ein eine einer eines einem einen")
# elided articles/conjunctions glued to the next word: "qu’Erdogan", "l’État"
_ELISION = re.compile(r"^(?:[a-zà-ÿ]{1,2}|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_PARTICLES = word_set("de du des la le van von der den da di del dos das y e bin al el zu")


def _opens_heading(text: str, start: int) -> bool:
    """Whether `start` opens a heading: a short line (<= 8 words) at a line start with no sentence punctuation
    at its end. Capitalisation says nothing there. (A sentence opener in prose is left to NER: short
    records often start with a person's name.)"""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip(" \t#*•-–—|\"'“”‘’«»(["):
        return False
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end >= 0 else len(text)].strip()
    return len(line.split()) <= 8 and not line.endswith((".", "!", "?", ",", ";", ":"))


def _trim(entity: Entity, text: str) -> Entity | None:
    """Drop leading honorifics and elided articles and a trailing elided word ("Considérant qu")."""
    words = list(_WORD.finditer(text, entity.start, entity.end))
    while words and (words[0].group().lower().rstrip(".") in HONORIFICS or _ELISION.match(words[0].group())):
        glued = _ELISION.match(words[0].group())
        if glued and len(glued.group()) < len(words[0].group()):
            start = words[0].start() + glued.end()
            words[0] = _WORD.match(text, start) or words[0]
            if words[0].start() == start:
                continue
        words.pop(0)
    while words and text[words[-1].end() : words[-1].end() + 1] in ("'", "’") and len(words[-1].group()) <= 3:
        words.pop()
    if not words:
        return None
    return Entity(words[0].start(), words[-1].end(), entity.type, entity.score, entity.source)


def _known(word: str) -> bool:
    firsts, lasts = name_sets()
    low = word.lower()
    return low in firsts or low in lasts


def _used_lower_case(word: str, text: str) -> bool:
    """The word also occurs in lower case in the text: a common word ("Volunteer guide … the volunteer team")."""
    low = word.lower()
    # the substring test first: most words never occur in lower case, and a pattern per word would
    # overflow `re`'s cache of compiled patterns (3-4% of the pii stage with NER)
    return low != word and low in text and re.search(rf"(?<![\w-]){re.escape(low)}(?![\w-])", text) is not None


def plausible(entity: Entity, text: str, lang: str, foreign_model: bool) -> Entity | None:
    """The entity (maybe trimmed) when it can be a name or place, else None.

    `foreign_model`: the entity comes from a model of another language (the fallback)."""
    if entity.type not in (PERSON, LOCATION):
        return entity
    trimmed = _trim(entity, text)
    if trimmed is None:
        return None
    words = [m.group() for m in _WORD.finditer(text, trimmed.start, trimmed.end)]
    lows = [w.lower() for w in words]
    # the model of another language tags lower-case words by their shape ("la", "del avión"); a model
    # of the text's own language that tags a lower-case span found it without the capital cue: keep it
    if foreign_model and not (words[0][:1].isupper() and words[-1][:1].isupper()):
        return None
    if any(w in _INSTITUTION for w in lows) or all(w in _CALENDAR or w in HONORIFICS for w in lows):
        return None
    if foreign_model and any(not w[:1].isupper() and w.lower() not in _PARTICLES for w in words):
        return None
    if len(words) == 1:
        word = words[0]
        if _used_lower_case(word, text) and not _known(word):
            return None
        # the first word of a heading: only a name the gazetteer knows ("Volunteer guide")
        if trimmed.type == PERSON and _opens_heading(text, trimmed.start) and not _known(word):
            return None
    if foreign_model and lang in NOUN_CAPITALISING and not _place_like_in_noun_language(trimmed, text, lows):
        return None
    return trimmed


def noun_not_place(word: str, lang: str) -> bool:
    """In a language that capitalises nouns, a word with an abstract-noun ending is not a place ("in Gemeinschaft")."""
    return lang in NOUN_CAPITALISING and _NOUN_SUFFIX.search(word.lower()) is not None


def _place_like_in_noun_language(entity: Entity, text: str, lows: list[str]) -> bool:
    """German read by a foreign model: people were checked against the gazetteer already; a place needs
    a place preposition right before it or several capitalised words, and no abstract-noun ending."""
    if entity.type != LOCATION:
        return True
    if any(_NOUN_SUFFIX.search(w) for w in lows) or lows[0] in _ARTICLES:
        return False
    before = re.search(r"([^\W\d_]+)[ \t]+$", text[max(0, entity.start - 30) : entity.start])
    return (before is not None and before.group(1) in _PLACE_PREPOSITION) or len(lows) > 1
