"""The bias lexicons of the audit (see lexicons/SOURCES.md): HolisticBias descriptors, and gender nouns.

The gender nouns shipped are DataHarbor's own (CC0) for en, fr, de, es, it, pt and nl. The Gender-GAP
multilingual lexicon (55 languages) is not shipped — its files carry no licence of their own — but an
operator who has it can point the audit's `bias.gender_lexicon_dir` rule at its `*_nouns.json` folder;
its languages then extend (and, where both cover a language, replace) the shipped table.
"""

from __future__ import annotations

import json
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


@dataclass(frozen=True, slots=True)
class Descriptors:
    single: dict[str, tuple[tuple[str, str], ...]]  # one-word term -> ((axis, group), ...)
    multi: dict[str, tuple[tuple[str, str], ...]]  # several words ("native american") -> ...
    multi_first: frozenset[str]  # first words of the multi-word terms


def _load(name: str) -> Any:
    return json.loads(resources.files("dataharbor.audit").joinpath("lexicons", name).read_text(encoding="utf-8"))


@lru_cache(maxsize=8)
def descriptors(axes: tuple[str, ...]) -> Descriptors:
    """HolisticBias descriptors of `axes`, grouped by their bucket (or, for flat axes, by the term itself)."""
    raw: dict[str, dict[str, list[Any]]] = _load("holistic_bias_descriptors.json")
    single: dict[str, list[tuple[str, str]]] = {}
    multi: dict[str, list[tuple[str, str]]] = {}
    for axis in axes:
        for bucket, items in raw.get(axis, {}).items():
            for item in items:
                term = (item["descriptor"] if isinstance(item, dict) else str(item)).lower().strip()
                group = term if bucket == "all" else bucket
                target = multi if " " in term else single
                target.setdefault(term, [])
                if (axis, group) not in target[term]:
                    target[term].append((axis, group))
    return Descriptors(
        {k: tuple(v) for k, v in single.items()},
        {k: tuple(v) for k, v in multi.items()},
        frozenset(k.split()[0] for k in multi),
    )


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
