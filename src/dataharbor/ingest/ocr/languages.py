"""Which engine reads which declared language (ISO 639-1 codes in, Tesseract codes out).

Tesseract models installed here (Debian `tesseract-ocr-<lang>`) read their language and give the
page layout. A declared language without a Tesseract model falls back to RapidOCR, whose shipped
PP-OCR recogniser reads Latin-script languages (accents included) and Chinese: Latin-script ones
keep Tesseract's layout (script-level, language-independent enough) with RapidOCR recognition;
Chinese uses RapidOCR's own detector too.
"""

from __future__ import annotations

from dataclasses import dataclass

from dataharbor.ingest.ocr.engines import tesseract_languages

TESSERACT_CODES = {
    "en": "eng", "fr": "fra", "de": "deu", "es": "spa", "it": "ita", "pt": "por", "nl": "nld",
    "ca": "cat", "da": "dan", "sv": "swe", "no": "nor", "nb": "nor", "fi": "fin", "pl": "pol",
    "cs": "ces", "sk": "slk", "hu": "hun", "ro": "ron", "hr": "hrv", "sl": "slv", "et": "est",
    "lv": "lav", "lt": "lit", "tr": "tur", "id": "ind", "ms": "msa", "vi": "vie", "ru": "rus",
    "uk": "ukr", "bg": "bul", "el": "ell", "ar": "ara", "he": "heb", "hi": "hin", "zh": "chi_sim",
    "ja": "jpn", "ko": "kor", "la": "lat", "eu": "eus", "gl": "glg", "ga": "gle", "cy": "cym",
}  # fmt: skip
# RapidOCR's shipped recogniser covers these scripts' alphabets
RAPID_LATIN = frozenset(
    "en fr de es it pt nl ca da sv no nb fi pl cs sk hu ro hr sl et lv lt tr id ms la eu gl ga cy".split()
)
RAPID_DETECT = frozenset({"zh"})  # no usable Tesseract layout without the model: RapidOCR detects too


@dataclass(frozen=True, slots=True)
class Plan:
    language: str  # ISO codes joined by "+"
    tesseract: str  # Tesseract language string for layout (and recognition when `tesseract_reads`)
    tesseract_reads: bool  # False: Tesseract lacks every declared language, RapidOCR recognises alone
    rapid_detects: bool  # True: RapidOCR's own detector too (Chinese without a Tesseract model)


def plan(languages: tuple[str, ...] | list[str]) -> Plan:
    declared = [code.lower().split("-")[0] for code in languages if code] or ["en"]
    installed = tesseract_languages()
    codes = [TESSERACT_CODES[c] for c in declared if TESSERACT_CODES.get(c) in installed]
    language = "+".join(dict.fromkeys(declared))
    if codes:
        return Plan(language, "+".join(dict.fromkeys(codes)), tesseract_reads=True, rapid_detects=False)
    rapid_detects = any(c in RAPID_DETECT for c in declared)
    layout = "eng" if "eng" in installed else next(iter(sorted(installed)), "eng")
    return Plan(language, layout, tesseract_reads=False, rapid_detects=rapid_detects)
