"""The bias lexicons of the audit (see lexicons/SOURCES.md): identity descriptors, and gender nouns.

Identity descriptors: HolisticBias v1.1 for English; DataHarbor's own (CC0) for fr, de, es, it, pt and nl, mapped to
the same axes and buckets so the languages' figures line up. Each language comes with the word pattern its records
are split with (English keeps "jehovah's" whole; the others split elisions such as "l'américain").

The gender nouns shipped are DataHarbor's own (CC0) for en, fr, de, es, it, pt and nl. The Gender-GAP
multilingual lexicon (55 languages) is not shipped — its files carry no licence of their own — but an
operator who has it can point the audit's `bias.gender_lexicon_dir` rule at its `*_nouns.json` folder;
its languages then extend (and, where both cover a language, replace) the shipped table.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from dataharbor.errors import ConfigError

# ISO 639-1 (what the language stage writes) -> the ISO 639-3 names of the Gender-GAP files
ISO3 = {
    "ar": "arb", "as": "asm", "be": "bel", "bn": "ben", "bg": "bul", "ca": "cat", "cs": "ces", "ckb": "ckb",
    "zh": "cmn", "cy": "cym", "da": "dan", "de": "deu", "el": "ell", "en": "eng", "et": "est", "fi": "fin",
    "fr": "fra", "ga": "gle", "hi": "hin", "hu": "hun", "id": "ind", "it": "ita", "ja": "jpn", "kn": "kan",
    "ka": "kat", "mn": "khk", "ky": "kir", "ko": "kor", "lt": "lit", "lg": "lug", "lv": "lvs", "mr": "mar",
    "mt": "mlt", "nl": "nld", "pa": "pan", "fa": "pes", "pl": "pol", "pt": "por", "ro": "ron", "ru": "rus",
    "sk": "slk", "sl": "slv", "es": "spa", "sv": "swe", "sw": "swh", "ta": "tam", "te": "tel", "tl": "tgl",
    "th": "tha", "tr": "tur", "ur": "urd", "uz": "uzn", "vi": "vie", "yue": "yue", "zu": "zul",
}  # fmt: skip
# scripts written without spaces between words: lexicon words are counted as substrings
NO_SPACES = frozenset({"cmn", "jpn", "yue", "tha"})

# English pronouns join the English nouns for the pronoun balance
PRONOUNS = {
    "feminine": ("she", "her", "hers", "herself"),
    "masculine": ("he", "him", "his", "himself"),
    "unspecified": ("they", "them", "their", "theirs", "themselves"),
}


# a word, hyphenated words kept whole; English also keeps apostrophes inside words ("jehovah's"), the other
# languages split there so that elided articles fall away ("l'américain" -> "l", "américain"). The quantifiers are
# possessive: what may follow a run of word characters (a hyphen, an apostrophe, the end) never starts with one,
# so giving some back could not make another match: the same words as `\w+(?:-\w+)*`, found ~10 % faster (this
# split is most of the bias section's cost)
ENGLISH_WORD = re.compile(r"\w++(?:[-']\w++)*+")
WORD = re.compile(r"\w++(?:-\w++)*+")
HOLISTIC_BIAS_LANGUAGES = frozenset({"en", "und", ""})  # undetermined text is read as English, as before
_BRACES = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class Descriptors:
    language: str
    word: re.Pattern[str]  # how this language's records are split into words
    single: dict[str, tuple[tuple[str, str], ...]]  # one-word term -> ((axis, group), ...)
    multi: dict[str, tuple[tuple[str, str], ...]]  # several words ("native american") -> ...
    # first word -> ((term, all its words, its pattern), ...): the pattern runs only when every word is in the record
    multi_by_first: dict[str, tuple[tuple[str, frozenset[str], re.Pattern[str]], ...]]
    # the keys above as sets: a record's words are intersected with these (set & set walks the smaller one)
    single_words: frozenset[str]
    multi_first: frozenset[str]


def _load(name: str) -> Any:
    return json.loads(resources.files("dataharbor.audit").joinpath("lexicons", name).read_text(encoding="utf-8"))


def expand(form: str) -> list[str]:
    """`musulman{,e,s,es}` -> musulman, musulmane, musulmans, musulmanes (every brace group, in turn)."""
    m = _BRACES.search(form)
    if m is None:
        return [form]
    return [x for alt in m.group(1).split(",") for x in expand(form[: m.start()] + alt + form[m.end() :])]


def _build(language: str, word: re.Pattern[str], pairs: list[tuple[str, tuple[str, str]]]) -> Descriptors:
    single: dict[str, list[tuple[str, str]]] = {}
    multi: dict[str, list[tuple[str, str]]] = {}
    for raw, key in pairs:
        term = unicodedata.normalize("NFC", raw.lower().strip())
        tokens = word.findall(term)
        if not tokens:
            continue
        # a term the language's pattern splits ("homo's", "native american") is looked for in the text itself
        target = single if tokens == [term] else multi
        keys = target.setdefault(term, [])
        if key not in keys:
            keys.append(key)
    by_first: dict[str, list[tuple[str, frozenset[str], re.Pattern[str]]]] = {}
    for term in multi:
        tokens = word.findall(term)
        pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)")
        by_first.setdefault(tokens[0], []).append((term, frozenset(tokens), pattern))
    return Descriptors(
        language,
        word,
        {k: tuple(v) for k, v in single.items()},
        {k: tuple(v) for k, v in multi.items()},
        {k: tuple(v) for k, v in by_first.items()},
        frozenset(single),
        frozenset(by_first),
    )


@lru_cache(maxsize=8)
def descriptors(axes: tuple[str, ...]) -> Descriptors:
    """HolisticBias descriptors of `axes`, grouped by their bucket (or, for flat axes, by the term itself)."""
    raw: dict[str, dict[str, list[Any]]] = _load("holistic_bias_descriptors.json")
    pairs: list[tuple[str, tuple[str, str]]] = []
    for axis in axes:
        for bucket, items in raw.get(axis, {}).items():
            for item in items:
                term = (item["descriptor"] if isinstance(item, dict) else str(item)).lower().strip()
                pairs.append((term, (axis, term if bucket == "all" else bucket)))
    return _build("en", ENGLISH_WORD, pairs)


def identity_languages() -> list[str]:
    """The languages with an identity-descriptor lexicon (ISO 639-1), English first."""
    return ["en", *(k for k in _load("identity_descriptors.json") if k != "about")]


@lru_cache(maxsize=32)
def identity_descriptors(language: str, axes: tuple[str, ...]) -> Descriptors | None:
    """The identity descriptors of `language` (ISO 639-1) on `axes`, or None where no lexicon covers it."""
    if language in HOLISTIC_BIAS_LANGUAGES:
        return descriptors(axes)
    table: dict[str, dict[str, dict[str, list[str]]]] = _load("identity_descriptors.json")
    if language == "about" or language not in table:
        return None
    pairs = [
        (term, (axis, group))
        for axis in axes
        for group, forms in table[language].get(axis, {}).items()
        for form in forms
        for term in expand(form)
    ]
    return _build(language, WORD, pairs)


@lru_cache(maxsize=64)
def gender_words(language: str, lexicon_dir: str = "") -> dict[str, frozenset[str]] | None:
    """Feminine / masculine / unspecified words of `language` (ISO 639-1 or -3), or None if not covered."""
    code = ISO3.get(language, language)
    table: dict[str, dict[str, list[str]]] = _gender_table(lexicon_dir)
    if code not in table:
        return None
    words = {k: set(v) for k, v in table[code].items()}
    if code == "eng":
        for k, extra in PRONOUNS.items():
            words[k].update(extra)
    return {k: frozenset(v) for k, v in words.items()}


@lru_cache(maxsize=4)
def _gender_table(lexicon_dir: str = "") -> dict[str, dict[str, list[str]]]:
    table: dict[str, dict[str, list[str]]] = _load("gender_nouns.json")
    if lexicon_dir:
        table = {**table, **gender_gap_folder(Path(lexicon_dir))}
    return table


def gender_gap_folder(folder: Path) -> dict[str, dict[str, list[str]]]:
    """Gender-GAP's `<iso3>_nouns.json` files ({"feminine": [{"singular", "plural"}], ...}) as one table."""
    if not folder.is_dir():
        raise ConfigError(f"The audit's gender lexicon folder '{folder}' does not exist")
    table: dict[str, dict[str, list[str]]] = {}
    for path in sorted(folder.glob("*_nouns.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        classes: dict[str, list[str]] = {}
        for kind in ("feminine", "masculine", "unspecified"):
            words: set[str] = set()
            for item in raw.get(kind, []):
                forms = item.values() if isinstance(item, dict) else [item]
                words.update(str(w).lower().strip() for w in forms if str(w).strip())
            classes[kind] = sorted(words)
        table[path.name.split("_", 1)[0]] = classes
    if not table:
        raise ConfigError(f"The audit's gender lexicon folder '{folder}' holds no *_nouns.json file")
    return table


def gender_languages(lexicon_dir: str = "") -> list[str]:
    return sorted(_gender_table(lexicon_dir))
