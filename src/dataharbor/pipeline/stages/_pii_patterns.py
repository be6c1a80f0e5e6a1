"""Cheap recognisers for structured identifiers: regex candidates, then checksum validation.

Scores: 1.0 = checksum or strict syntax proves it; ~0.6-0.8 = distinctive format; below the
default 0.5 threshold = looks like one but needs a context word (then raised above it).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator

from dataharbor.pipeline.stages._pii_checksums import (
    IBAN_LENGTHS,
    iban_ok,
    icao_check_ok,
    luhn_ok,
    nhs_ok,
    nino_ok,
    nir_ok,
    ssn_ok,
    steuer_id_ok,
)
from dataharbor.pipeline.stages._pii_context import has_context, keywords
from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import (
    CREDIT_CARD,
    EMAIL,
    IBAN,
    IP_ADDRESS,
    NATIONAL_ID,
    URL,
    Entity,
)

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+)[A-Za-z]{2,24}\b"
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'()]+[^\s<>\"'().,;:!?]")
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)"
)
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%\w+)?(?![\w:])")
# 13-19 digits, optionally grouped by single spaces or dashes
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_CARD_PREFIX = re.compile(
    r"^(?:4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|3(?:0[0-5]|[68])|35|6(?:011|4[4-9]|5|2)|"
    # JCB's 15-digit ranges, Maestro
    r"(?:2131|1800)(?=\d{11}$)|50(?:18|20|38)|5893|6304|6759|676[1-3])"
)
# how card numbers are printed: one block, blocks of four, or Amex/Diners 4-6-5 / 4-6-4
_CARD_GROUPS = re.compile(r"^(?:\d+|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5})$")
_IBAN_START = re.compile(r"\b([A-Z]{2})(\d{2})(?=[ ]?[A-Z0-9])", re.IGNORECASE)
_NIR = re.compile(
    # sex, year, month, department (2A/2B = Corsica), commune, order, key
    r"(?<![\w])([1-478])[ .]?(\d{2})[ .]?(0[1-9]|1[0-2]|[2-9]\d)[ .]?(\d{2}|2[AB])[ .]?"
    r"(\d{3})[ .]?(\d{3})[ .]?(\d{2})(?!\w)",
    re.IGNORECASE,
)
_STEUER_ID = re.compile(r"(?<![\w])([1-9]\d)[ ]?(\d{3})[ ]?(\d{3})[ ]?(\d{3})(?!\w)")
_AUSWEIS = re.compile(r"(?<![\w])[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\d(?!\w)")
_NINO = re.compile(r"(?<![\w])([A-Z]{2})[ ]?(\d{2})[ ]?(\d{2})[ ]?(\d{2})[ ]?([A-Z])(?!\w)", re.IGNORECASE)
_NHS = re.compile(r"(?<![\w-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w-])")
_SSN = re.compile(r"(?<![\w-])(\d{3})([- ]?)(\d{2})\2(\d{4})(?![\w-])")
# "licence no. X12345678", "passport number: 12AB34567" — generic ids only count with such a word
_ID_AFTER_WORD = re.compile(
    r"(?:driver'?s?\s+licen[cs]e|driving\s+licen[cs]e|licen[cs]e\s+(?:no\.?|number|#)|passport|passeport|"
    r"reisepass|identity card|id card|carte d'identit[ée]|permis(?:\s+de\s+conduire)?|"
    r"führerschein(?:nummer|-?nr\.?)?|personalausweis|ausweis)"
    r"\s*(?:no\.?|number|num[ée]ro|nr\.?|n°|#)?\s*(?:is|est|:)?\s*"
    r"([A-Z0-9](?:[A-Z0-9-]{4,14})[A-Z0-9])(?![\w-])",
    re.IGNORECASE,
)

# necessary conditions tested before the patterns above (see _pii_prescan)
_IPV4_CORE = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")  # digits joined by three dots, as in every IPv4 match
_IPV6_COLONS = re.compile(r":[0-9A-Fa-f]{0,4}:")  # two colons at most 4 hex digits apart
_AUSWEIS_CORE = re.compile(_AUSWEIS.pattern.removeprefix(r"(?<![\w])").removesuffix(r"(?!\w)"))
# how each _ID_AFTER_WORD match begins, on the lower-cased text (see Prescan.finditer): `re` jumps to these
# instead of trying the case-insensitive alternation at every character
_ID_AFTER_WORD_QUICK = re.compile(
    r"driv|licen|passport|passeport|reisepass|identity card|id card|carte d'identit|permis|führerschein|ausweis|"
    r"personalausweis"
)
_ID_WORDS = (
    "licen", "passport", "passeport", "reisepass", "identity card", "id card", "carte d'identit", "permis",
    "führerschein", "ausweis",
)  # fmt: skip

_CARD_WORDS = keywords("card", "carte", "karte", "visa", "mastercard", "amex", "cc", "cb", "credit", "debit")
_SSN_WORDS = keywords("ssn", "social security", "social", "ss#", "ss no", "taxpayer")
_NINO_WORDS = keywords("national insurance", "ni number", "ni no", "nino", "nin")
_NHS_WORDS = keywords("nhs", "health", "patient", "hospital", "gp")
_TIN_WORDS = keywords(
    "steuer-?id", "steuer-?identifikationsnummer", "identifikationsnummer", "idnr", "tin", "tax id", "steuernummer"
)
_AUSWEIS_WORDS = keywords(
    "ausweis", "personalausweis", "ausweisnummer", "id card", "identity card", "passport", "reisepass", "document"
)


# first-person cues before a URL: the page is the writer's own
_PERSONAL_URL_WORDS = keywords(
    r"my (?:own )?(?:blog|site|website|web site|homepage|home page|page|profile|portfolio|channel|shop|photos?|"
    r"pictures?|cv|resume|résumé|account|feed)",
    r"(?:just )?posted",
    r"follow me",
    r"find me",
    r"(?:mon|ma) (?:blog|site|page|profil|portfolio|chaîne)",
    r"(?:mein|meine) (?:blog|website|seite|homepage|profil|kanal)",
)

# one of these tokens is in every _PERSONAL_URL_WORDS match
_PERSONAL_URL_TOKENS = frozenset(
    form
    for base in ("my", "posted", "me", "mon", "ma", "mein", "meine")
    for form in (base, base.capitalize(), base.upper())
)


def _compact(value: str) -> str:
    return re.sub(r"[ .-]", "", value)


def find_emails(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    if "@" not in text:
        return
    for m in _EMAIL.finditer(text):
        yield Entity(m.start(), m.end(), EMAIL, 1.0, "email")


def find_urls(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    if "http" not in text and "www." not in text:
        return
    for m in _URL.finditer(text):
        yield Entity(m.start(), m.end(), URL, 0.6, "url")


def find_personal_urls(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    """URLs a person gives as their own ("my blog is at …", "Just posted a photo …", "follow me on …"): personal
    data even where URLs in general are not detected."""
    scan = prescan(text, scan)
    if not scan.distinct_tokens & _PERSONAL_URL_TOKENS or ("http" not in text and "www." not in text):
        return
    for m in _URL.finditer(text):
        if has_context(text, m.start(), _PERSONAL_URL_WORDS, window=40):
            yield Entity(m.start(), m.end(), URL, 0.6, "personal_url")


def find_ips(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    if "." in text and _IPV4_CORE.search(text):
        for m in scan.matches_at(_IPV4, scan.run_starts):
            yield Entity(m.start(), m.end(), IP_ADDRESS, 0.9, "ipv4")
    if ":" not in text or not _IPV6_COLONS.search(text):
        return
    for m in _IPV6.finditer(text):
        value = m.group().split("%")[0]
        if value.count(":") < 2 or not any(c.isalnum() for c in value):
            continue
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            continue
        # "12:30:45"-like strings are not valid IPv6, but "::" alone or "1::" are: require 2+ groups
        if sum(1 for g in value.split(":") if g) >= 2:
            yield Entity(m.start(), m.end(), IP_ADDRESS, 0.9, "ipv6")


def find_cards(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    if scan.group_digits < 13:
        return
    for m in scan.matches_at(_CARD, scan.run_starts):
        raw = m.group()
        if not _CARD_GROUPS.match(raw):
            continue
        digits = _compact(raw)
        if not 13 <= len(digits) <= 19 or not _CARD_PREFIX.match(digits) or not luhn_ok(digits):
            continue
        if len(set(digits)) < 3:  # 4444 4444 4444 4448 style test junk
            continue
        score = 1.0 if has_context(text, m.start(), _CARD_WORDS) else 0.9
        yield Entity(m.start(), m.end(), CREDIT_CARD, score, "luhn")


def find_ibans(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    for m in scan.matches_at(_IBAN_START, scan.near_runs(2)):  # two letters, then the check digits
        country = m.group(1).upper()
        length = IBAN_LENGTHS.get(country)
        if length is None:
            continue
        # walk forward over alphanumerics, allowing single spaces between groups, to the country's length
        chars: list[str] = []
        pos = m.start()
        end = pos
        while pos < len(text) and len(chars) < length:
            ch = text[pos]
            if ch.isascii() and ch.isalnum():
                chars.append(ch)
                end = pos + 1
            elif not (ch == " " and pos + 1 < len(text) and text[pos + 1].isalnum() and chars):
                break
            pos += 1
        if len(chars) != length or (end < len(text) and text[end].isalnum()):
            continue
        if iban_ok("".join(chars)):
            yield Entity(m.start(), end, IBAN, 1.0, "iban_mod97")


def find_national_ids(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    if not scan.digits:
        return
    group = scan.group_digits  # each layout's digits, counting a Corsican "2A" NIR as split in two
    # the digit-first layouts can only start at a run of digits
    if group >= 8:
        yield from _find_nir(text, scan.matches_at(_NIR, scan.run_starts))
    if group >= 11:
        yield from _find_steuer_id(text, scan.matches_at(_STEUER_ID, scan.run_starts))
    if _AUSWEIS_CORE.search(text):
        yield from _find_ausweis(text)
    if group >= 6:
        yield from _find_nino(text, scan.matches_at(_NINO, scan.near_runs(2, 3)))
    if group >= 10:
        yield from _find_nhs(text, scan.matches_at(_NHS, scan.run_starts))
    if group >= 9:
        yield from _find_ssn(text, scan.matches_at(_SSN, scan.run_starts))
    if scan.total_digits >= 4 and scan.has_word(_ID_WORDS):  # the identifier holds 4 digits or more
        yield from _find_id_after_word(text, scan)


def _find_nir(text: str, matches: Iterable[re.Match[str]]) -> Iterator[Entity]:
    for m in matches:
        if nir_ok("".join(m.groups())):
            yield Entity(m.start(), m.end(), NATIONAL_ID, 1.0, "fr_nir")


def _find_steuer_id(text: str, matches: Iterable[re.Match[str]]) -> Iterator[Entity]:
    for m in matches:
        if steuer_id_ok("".join(m.groups())):
            # 1 in ~10 random 11-digit numbers passes the digit checks: want a context word too
            score = 0.95 if has_context(text, m.start(), _TIN_WORDS) else 0.45
            yield Entity(m.start(), m.end(), NATIONAL_ID, score, "de_steuer_id")


def _find_ausweis(text: str) -> Iterator[Entity]:
    for m in _AUSWEIS.finditer(text):
        value = m.group()
        if icao_check_ok(value) and any(c.isdigit() for c in value[:-1]) and any(c.isalpha() for c in value):
            score = 0.95 if has_context(text, m.start(), _AUSWEIS_WORDS) else 0.55
            yield Entity(m.start(), m.end(), NATIONAL_ID, score, "de_ausweis")


def _find_nino(text: str, matches: Iterable[re.Match[str]]) -> Iterator[Entity]:
    for m in matches:
        value = "".join(m.groups())
        # mixed case ("Ab 12 34 56 c") is prose, not an identifier
        if not (value.isupper() or value.islower()):
            continue
        if nino_ok(value):
            yield Entity(m.start(), m.end(), NATIONAL_ID, 0.85, "uk_nino")
        elif has_context(text, m.start(), _NINO_WORDS):
            # unallocated prefixes or suffixes (e.g. "ZZ", used for temporary numbers) still identify someone
            yield Entity(m.start(), m.end(), NATIONAL_ID, 0.75, "uk_nino_context")


def _find_nhs(text: str, matches: Iterable[re.Match[str]]) -> Iterator[Entity]:
    for m in matches:
        if nhs_ok("".join(m.groups())):
            score = 0.95 if has_context(text, m.start(), _NHS_WORDS) else 0.35
            yield Entity(m.start(), m.end(), NATIONAL_ID, score, "uk_nhs")


def _find_ssn(text: str, matches: Iterable[re.Match[str]]) -> Iterator[Entity]:
    for m in matches:
        if not ssn_ok(m.group(1) + m.group(3) + m.group(4)):
            continue
        context = has_context(text, m.start(), _SSN_WORDS)
        if context:
            score = 0.95
        elif m.group(2) == "-":
            score = 0.6  # the 3-2-4 dashed layout is distinctive
        else:
            score = 0.3
        yield Entity(m.start(), m.end(), NATIONAL_ID, score, "us_ssn")


def _find_id_after_word(text: str, scan: Prescan) -> Iterator[Entity]:
    for m in scan.finditer(_ID_AFTER_WORD, _ID_AFTER_WORD_QUICK, on_lower=True):
        value = m.group(1)
        if sum(c.isdigit() for c in value) >= 4:
            yield Entity(m.start(1), m.end(1), NATIONAL_ID, 0.7, "id_after_word")
