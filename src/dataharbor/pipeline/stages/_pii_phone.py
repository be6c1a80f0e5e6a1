"""Phone numbers: libphonenumber for numbers valid in the record's region or in international
form, plus a layout rule for national formats it does not know (scored by context words).

Dates, prices and order/reference numbers share digits and separators with phone numbers;
they are excluded by shape (date layouts, currency next to the number) and by the word before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import phonenumbers

from dataharbor.pipeline.stages._pii_context import has_context, keywords
from dataharbor.pipeline.stages._pii_types import PHONE, Entity

# language -> region libphonenumber uses to read national numbers
REGION_OF_LANGUAGE: dict[str, str] = {
    "en": "US",
    "fr": "FR",
    "de": "DE",
    "es": "ES",
    "it": "IT",
    "nl": "NL",
    "pt": "PT",
    "pl": "PL",
    "sv": "SE",
    "da": "DK",
    "fi": "FI",
    "nb": "NO",
    "cs": "CZ",
    "el": "GR",
}

_CANDIDATE = re.compile(
    r"(?<![\w+/.,-])"
    r"(?:(?:\+|00)\d{1,3}[\s.-]?)?"
    r"(?:\(\d{1,5}\)[\s.-]?)?"
    r"\d{1,5}(?:[\s.-]\d{1,8}){0,5}"  # UK subscriber numbers run to 7-8 digits ("0161 4960528")
    r"(?:\s?(?:x|ext\.?|extension|poste|durchwahl)\s?\d{1,6})?"
    r"(?![\w/-]|[.,]\d)",
    re.IGNORECASE,
)
_DATE = re.compile(r"^(?:\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4})$")
_DATE_PREFIX = re.compile(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})(?!\d)")
_SSN_SHAPE = re.compile(r"^\d{3}-\d{2}-\d{4}$")  # the US SSN layout, never a phone layout
_TIME = re.compile(r"^\d{1,2}[.:]\d{2}$")
_CURRENCY = re.compile(r"[$€£¥₹]|\b(?:usd|eur|euros?|gbp|dollars?|chf|cad|aud)\b", re.IGNORECASE)
_PHONE_WORDS = keywords(
    "phone",
    "telephone",
    "tel",
    "tél",
    "téléphone",
    "mobile",
    "cell",
    "cellphone",
    "portable",
    "call",
    "calling",
    "fax",
    "whatsapp",
    "sms",
    "text me",
    "reach me",
    "contact",
    "appelez",
    "appeler",
    "appelle",
    "num",
    "numéro",
    "anrufen",
    "ruf",
    "joindre",
    "rufen",
    "telefon",
    "handy",
    "dial",
    "ring",
)
_NOT_PHONE_WORDS = keywords(
    "order",
    "invoice",
    "facture",
    "commande",
    "ref",
    "reference",
    "référence",
    "tracking",
    "serial",
    "isbn",
    "sku",
    "account",
    "compte",
    "iban",
    "card",
    "carte",
    "ssn",
    "social security",
    "nhs",
    "policy",
    "ticket",
    "case",
    "version",
    "zip",
    "postcode",
    "code postal",
    "plz",
    "id",
    "sécurité sociale",
    "sociale",
    "insee",
    "nir",
    "vitale",
    "steuer-?id",
    "steuernummer",
    "nino",
    "national insurance",
    "passport",
    "passeport",
    "licen[cs]e",
)


def find_phones(text: str, region: str = "US") -> Iterator[Entity]:
    seen: set[tuple[int, int]] = set()
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        if _excluded(text, match.start, match.end) or _DATE.match(match.raw_string):
            continue
        seen.add((match.start, match.end))
        if has_context(text, match.start, _PHONE_WORDS):
            score = 0.95
        elif match.raw_string.isdigit() and len(match.raw_string) >= 9:
            # an unformatted run of digits with no phone word is an order or reference number as often
            score = 0.45
        else:
            score = 0.8
        yield Entity(match.start, match.end, PHONE, score, "libphonenumber")
    for m in _CANDIDATE.finditer(text):
        start, end = m.span()
        if any(s <= start < e or start <= s < end for s, e in seen):
            continue
        score = _layout_score(text, start, end)
        if score > 0:
            yield Entity(start, end, PHONE, score, "phone_layout")


def _layout_score(text: str, start: int, end: int) -> float:
    value = text[start:end]
    main = re.split(r"(?i)\s?(?:x|ext|extension|poste|durchwahl)", value)[0]
    digits = sum(c.isdigit() for c in main)
    groups = len(re.findall(r"\d+", main))
    if (
        not 7 <= digits <= 15
        or _DATE.match(main)
        or _DATE_PREFIX.match(main)
        or _TIME.match(main)
        or _excluded(text, start, end)
    ):
        return 0.0
    international = main.startswith(("+", "00"))
    if groups < 2 and not international:
        return 0.0  # a bare run of digits is an amount, a code or an id far more often
    if len(set(re.sub(r"\D", "", main))) < 3 or _SSN_SHAPE.match(main):
        return 0.0
    if has_context(text, start, _PHONE_WORDS):
        return 0.8
    if international or "(" in main or main != value:  # +33, (07), x123 extension
        return 0.65
    # several groups of 2-4 digits: the usual national layouts ("027 896 92 86", "041-412-293")
    if groups >= 3 and digits >= 9:
        return 0.55
    return 0.35


def _excluded(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 4) : start]
    after = text[end : end + 5]
    if _CURRENCY.search(before) or _CURRENCY.search(after) or after.lstrip().startswith("%"):
        return True
    return has_context(text, start, _NOT_PHONE_WORDS, window=32) and not has_context(
        text, start, _PHONE_WORDS, window=32
    )
