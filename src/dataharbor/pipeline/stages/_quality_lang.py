"""Per-language settings of the quality stage, read once from `quality_lang/` (package data)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from dataharbor.errors import ConfigError

Thresholds = dict[str, float | None]

# scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, kana, CJK, Yi, Javanese
CHAR_SCRIPT = re.compile(
    r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua980-\ua9df\uf900-\ufaff]"
)


@dataclass(frozen=True, slots=True)
class LanguageSettings:
    """What the word-dependent rules need to know about one language."""

    code: str  # "" = language-neutral
    word_unit: str = "space"
    terminal_punctuation: bool = True
    ngram_scale: int = 1  # units per word for the n-gram signals (char unit: zh/ja 2, th 4)
    stop_words: frozenset[str] = frozenset()
    thresholds: Thresholds = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LanguageTable:
    default: LanguageSettings
    languages: dict[str, LanguageSettings]
    aliases: dict[str, str]
    policy_phrases: tuple[str, ...]

    def canonical(self, lang: str | None) -> str:
        """'de-1901' -> 'de', 'cmn_Hans' -> 'zh', None -> ''."""
        if not lang:
            return ""
        primary = re.split(r"[-_]", lang.strip().lower(), maxsplit=1)[0]
        return self.aliases.get(primary, primary)

    def get(self, lang: str) -> LanguageSettings:
        return self.languages.get(lang, self.default)

    def neutral_for(self, text: str) -> LanguageSettings:
        """The neutral setting, but counting characters when the text is mostly CJK/Thai script."""
        sample = text[:2000]
        if not CHAR_SCRIPT.search(sample):  # the common case, in one C-level scan
            return self.default
        letters = sum(count for ch, count in Counter(sample).items() if ch.isalpha())
        if letters and len(CHAR_SCRIPT.findall(sample)) > 0.3 * letters:
            return self.languages.get("zh", self.default)
        return self.default


def _read(name: str) -> str:
    return (resources.files("dataharbor.pipeline.stages") / "quality_lang" / name).read_text("utf-8")


def _stop_words(code: str) -> frozenset[str]:
    try:
        text = _read(f"stopwords/{code}.txt")
    except FileNotFoundError:
        return frozenset()
    return frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def _settings(code: str, raw: dict[str, Any], base: LanguageSettings) -> LanguageSettings:
    thresholds = dict(base.thresholds)
    thresholds.update(raw.get("thresholds") or {})
    return LanguageSettings(
        code=code,
        word_unit=str(raw.get("word_unit", base.word_unit)),
        terminal_punctuation=bool(raw.get("terminal_punctuation", base.terminal_punctuation)),
        ngram_scale=int(raw.get("ngram_scale", base.ngram_scale)),
        stop_words=_stop_words(code) if code else frozenset(),
        thresholds=thresholds,
    )


@cache
def load_language_table() -> LanguageTable:
    raw = yaml.safe_load(_read("languages.yaml"))
    if not isinstance(raw, dict):
        raise ConfigError("quality_lang/languages.yaml must hold a mapping")
    default = _settings("", raw.get("default") or {}, LanguageSettings(code=""))
    declared = dict(raw.get("languages") or {})
    stopword_files = resources.files("dataharbor.pipeline.stages") / "quality_lang" / "stopwords"
    for entry in stopword_files.iterdir():
        if entry.name.endswith(".txt"):
            declared.setdefault(entry.name[:-4], {})
    languages = {code: _settings(code, spec or {}, default) for code, spec in declared.items()}
    phrases = tuple(str(p).lower() for p in raw.get("policy_phrases") or ())
    return LanguageTable(default, languages, dict(raw.get("aliases") or {}), phrases)
