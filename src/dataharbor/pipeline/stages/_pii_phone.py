"""Phone numbers: libphonenumber for numbers valid in the record's region or in international
form, plus a layout rule for national formats it does not know (scored by context words).

Dates, prices and order/reference numbers share digits and separators with phone numbers;
they are excluded by shape (date layouts, currency next to the number) and by the word before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import phonenumbers

from dataharbor.pipeline.stages._pii_context import has_context, keywords
from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
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
_LEAD = re.compile(r"[+(]")
_EXTENSION = re.compile(r"(?i)\s?(?:x|ext|extension|poste|durchwahl)")
_DIGITS = re.compile(r"\d+")
_NOT_DIGIT = re.compile(r"\D")
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


class _Matcher(phonenumbers.PhoneNumberMatcher):
    """libphonenumber's matcher, told to skip candidates with too few digits to be a valid number.

    Documentation pages are full of "3.11", "2)", "1.", "13968": the matcher parses each. A valid number has
    at least as many digits as the shortest national number of its region (libphonenumber's metadata), and
    a number written without "+" or an international prefix belongs to the region it is read for; letters
    count as digits here because the parser reads "1-800-FLOWERS" as digits. So the skip loses nothing.
    The same test runs on each string the matcher parses, the pieces of a candidate it tries after the whole
    ("2013", "0", "06"), where a piece starting with 0 needs the international prefix, a country code and
    the shortest national number anywhere, or a whole national number. A skipped piece still counts as one
    of the matcher's tries, as before. If libphonenumber renames the hooks, this class simply stops skipping.
    """

    def __init__(self, text: str, region: str, leniency: int) -> None:
        super().__init__(text, region, leniency=leniency)
        self._national_min, self._zero_min, self._idd_needs_zero = _fewest_digits(region)
        self._any_min = min(_MIN_DIGITS, self._national_min)  # with "+", an international prefix, or a letter

    def _extract_match(self, candidate: str, offset: int) -> Any:
        chars = _DIGIT_LIKE.findall(candidate)
        international = (
            not self._idd_needs_zero or "+" in candidate or "＋" in candidate or not chars or not _nonzero(chars[0])
        )
        if len(chars) < (self._any_min if international else self._national_min):
            return None
        return super()._extract_match(candidate, offset)

    def _parse_and_verify(self, candidate: str, offset: int) -> Any:
        chars = _DIGIT_LIKE.findall(candidate)
        if not self._idd_needs_zero or "+" in candidate or "＋" in candidate or not chars:
            fewest = self._any_min
        elif _nonzero(chars[0]):
            fewest = self._national_min
        elif chars[0].isdecimal():  # a 0: the international prefix, or a national prefix and a national number
            fewest = self._zero_min
        else:
            fewest = self._any_min
        if len(chars) < fewest:
            return None
        return super()._parse_and_verify(candidate, offset)


def _nonzero(char: str) -> bool:
    """A digit other than zero (a letter is not: the parser may map it to any digit)."""
    return char.isdecimal() and int(char) != 0


def _shortest(metadata: list[Any]) -> int:
    lengths = [min((n for n in m.general_desc.possible_length if n > 0), default=1) for m in metadata if m]
    return min(lengths, default=1)


@cache
def _fewest_digits(region: str) -> tuple[int, int, bool]:
    """The fewest digits of a valid number read as national in `region` (its country code's regions); the
    fewest of one starting with 0 (national, or the international prefix, a country code digit and the shortest
    national number of any region); and whether its international prefix can only start with 0 ("00", "011":
    then a number whose first digit is not 0 and that has no "+" is national). A region whose national prefix
    rule inserts digits ("869\\1") gets no skip."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.country_code is None or meta.national_prefix_transform_rule:
        return 1, 1, False
    regions = phonenumbers.region_codes_for_country_code(meta.country_code)
    prefix = meta.international_prefix or ""
    simple = prefix.startswith("0") and re.fullmatch(r"0\d*", prefix) is not None
    national = _shortest([phonenumbers.PhoneMetadata.metadata_for_region(r) for r in regions])
    return national, min(national, len(prefix) + 1 + _MIN_DIGITS) if simple else _MIN_DIGITS, simple


_MIN_DIGITS = _shortest(
    [phonenumbers.PhoneMetadata.metadata_for_region(r) for r in phonenumbers.SUPPORTED_REGIONS]
    + [phonenumbers.PhoneMetadata.metadata_for_nongeo_region(c) for c in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS]
)  # 4 in libphonenumber 9.x
# letters too: the parser maps letters to keypad digits (ı and ſ upper-case to I and S)
_DIGIT_LIKE = re.compile(r"[\dA-Za-zıſ]")


def find_phones(text: str, region: str = "US", scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    if not scan.digits:  # every candidate of both holds a digit
        return
    seen: set[tuple[int, int]] = set()
    for start, end, raw in _library_matches(scan, region):
        if _excluded(text, start, end) or _DATE.match(raw):
            continue
        seen.add((start, end))
        if has_context(text, start, _PHONE_WORDS):
            score = 0.95
        elif raw.isdigit() and len(raw) >= 9:
            # an unformatted run of digits with no phone word is an order or reference number as often
            score = 0.45
        else:
            score = 0.8
        yield Entity(start, end, PHONE, score, "libphonenumber")
    if scan.total_digits < 7:  # the layout rule's fewest digits
        return
    # a candidate starts with "+", "(" or the first digit of a run
    starts = sorted([*scan.run_starts, *(m.start() for m in _LEAD.finditer(text))])
    for m in scan.matches_at(_CANDIDATE, starts):
        start, end = m.span()
        if any(s <= start < e or start <= s < end for s, e in seen):
            continue
        score = _layout_score(text, start, end)
        if score > 0:
            yield Entity(start, end, PHONE, score, "phone_layout")


def _library_matches(scan: Prescan, region: str) -> Iterator[tuple[int, int, str]]:
    """libphonenumber's VALID matches as (start, end, raw string), read only from the lines holding digits.

    A candidate of the matcher never crosses a line break (none of its characters is one) and it only
    looks one character past each end, where a line break reads like the text's edge; so each block of
    lines with digits is matched alone, which skips the matcher's scan of the digit-free prose. Its budget
    of 65535 tries per text cannot run out here with fewer digits than that, so it is not split then.
    """
    text = scan.text
    if scan.total_digits >= 65535:
        blocks = [(0, len(text))]
    else:
        blocks = []
        for start in scan.run_starts:
            if blocks and start < blocks[-1][1]:
                continue
            begin = text.rfind("\n", 0, start) + 1
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            if blocks and begin <= blocks[-1][1] + 1:  # the next line: one block
                blocks[-1] = (blocks[-1][0], end)
            else:
                blocks.append((begin, end))
    for begin, end in blocks:
        for start, stop, raw in _block_matches(text[begin:end], region):
            yield begin + start, begin + stop, raw


_BLOCK_MATCHES: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
_BLOCK_CHARS = [0]  # characters of the blocks remembered
_BLOCK_LIMIT = 1 << 22  # characters remembered before starting afresh (memory bound: ~4-16 MB of text)


def forget_blocks() -> None:
    """Empty the block memory: it holds text, so it must not outlive the job (a private dataset's lines)."""
    _BLOCK_MATCHES.clear()
    _BLOCK_CHARS[0] = 0


def _block_matches(block: str, region: str) -> list[tuple[int, int, str]]:
    """The matcher's VALID matches in one block of lines, remembered: pages of one site repeat their lines
    with digits (footers, version tables, "Page 1 of 3"), and the matcher is a function of the block alone."""
    key = (block, region)
    found = _BLOCK_MATCHES.get(key)
    if found is None:
        if _BLOCK_CHARS[0] + len(block) > _BLOCK_LIMIT:
            _BLOCK_MATCHES.clear()
            _BLOCK_CHARS[0] = 0
        _BLOCK_CHARS[0] += len(block)
        found = [(m.start, m.end, m.raw_string) for m in _Matcher(block, region, leniency=phonenumbers.Leniency.VALID)]
        _BLOCK_MATCHES[key] = found
    return found


def _layout_score(text: str, start: int, end: int) -> float:
    if end - start < 7:  # too short to hold the 7 digits asked below (most runs: "3.11", "2)", "13968")
        return 0.0
    value = text[start:end]
    main = _EXTENSION.split(value, 1)[0]
    digits = sum(c.isdigit() for c in main)
    groups = len(_DIGITS.findall(main))
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
    if len(set(_NOT_DIGIT.sub("", main))) < 3 or _SSN_SHAPE.match(main):
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
