"""Each rule-based recogniser on valid, invalid and look-alike input (no NER involved)."""

from __future__ import annotations

import pytest

from dataharbor.pipeline.stages._pii_recognisers import find_cheap
from dataharbor.pipeline.stages._pii_resolve import resolve
from dataharbor.pipeline.stages._pii_types import ALL_TYPES


def found(text: str, lang: str = "en") -> list[tuple[str, str]]:
    """(type, value) of the detections kept at the default threshold."""
    entities = resolve(find_cheap(text, frozenset(ALL_TYPES), lang), 0.5)
    return [(e.type, text[e.start : e.end]) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail me at jane.doe+news@example.co.uk today", ("EMAIL", "jane.doe+news@example.co.uk")),
        ("My card is 4532 0151 1283 0366, thanks", ("CREDIT_CARD", "4532 0151 1283 0366")),
        ("IBAN: DE89 3704 0044 0532 0130 00 please", ("IBAN", "DE89 3704 0044 0532 0130 00")),
        ("Virement sur FR14 2004 1010 0505 0001 3M02 606.", ("IBAN", "FR14 2004 1010 0505 0001 3M02 606")),
        ("blocked from 192.168.10.254 yesterday", ("IP_ADDRESS", "192.168.10.254")),
        ("server at 2001:db8:85a3::8a2e:370:7334 is down", ("IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334")),
        ("N° sécurité sociale : 2 55 08 14 168 025 38", ("NATIONAL_ID", "2 55 08 14 168 025 38")),
        ("Meine Steuer-ID lautet 86095742719.", ("NATIONAL_ID", "86095742719")),
        ("Personalausweis T220001293 gültig", ("NATIONAL_ID", "T220001293")),
        ("NINO: AB 12 34 56 C", ("NATIONAL_ID", "AB 12 34 56 C")),
        ("Patient NHS number 943 476 5919", ("NATIONAL_ID", "943 476 5919")),
        ("His social security number is 531-21-7351", ("NATIONAL_ID", "531-21-7351")),
        ("Call me on +44 20 7946 0958 tomorrow", ("PHONE", "+44 20 7946 0958")),
        ("Appelez-moi au 06 12 34 56 78 ce soir", ("PHONE", "06 12 34 56 78")),
        ("phone: (212) 555-1234", ("PHONE", "(212) 555-1234")),
    ],
)
def test_detects_valid_identifier(text: str, expected: tuple[str, str]) -> None:
    lang = "fr" if any(w in text for w in ("Appelez", "Virement", "sécurité")) else "en"
    assert expected in found(text, lang)


@pytest.mark.parametrize(
    "text",
    [
        "My card is 4532 0151 1283 0367, thanks",  # Luhn fails
        "IBAN: DE89 3704 0044 0532 0130 01 please",  # mod 97 fails
        "N° sécurité sociale : 2 55 08 14 168 025 39",  # wrong NIR key
        "His social security number is 666-21-7351",  # area 666 is never issued
        "Patient NHS number 943 476 5918",  # wrong check digit
        "version 1.2.3.4.5 of the tool",  # not an IP
    ],
)
def test_rejects_invalid_checksum_or_lookalike(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "The meeting is on 2023-11-05 at 14:30 and costs $1,299.99.",
        "Order number 123-456-789 shipped on 12/05/2024.",
        "Invoice 2024-001234 total 1 250,00 €",
        "We sold 12 500 000 units in 2021, up 15%.",
        "Room 12, floor 3: 45 people came for 10 minutes.",
    ],
)
def test_ordinary_numbers_are_not_pii(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Send it to 221B Baker Street, London NW1 6XE please.", "221B Baker Street, London NW1 6XE"),
        ("J'habite au 12 rue de la Paix, 75002 Paris. Merci", "12 rue de la Paix, 75002 Paris"),
        ("Die Adresse ist Ziegelgasse 26", "Ziegelgasse 26"),
        ("Ship to 1600 Pennsylvania Ave NW, Washington, DC 20500", "1600 Pennsylvania Ave NW, Washington, DC 20500"),
        ("his address: 46 velký průhon 426, opocnice", "46 velký průhon 426, opocnice"),
    ],
)
def test_street_addresses(text: str, address: str) -> None:
    assert ("ADDRESS", address) in found(text)


def test_name_cues_find_lowercase_and_titled_names() -> None:
    assert ("PERSON", "Amy Kupcová") in found("please correct it to Mrs. Amy Kupcová?")
    assert ("PERSON", "john") in found("hi, my name is john")
    assert ("PERSON", "Jean-Pierre Dupont") in found("Je m'appelle Jean-Pierre Dupont et voilà", "fr")
