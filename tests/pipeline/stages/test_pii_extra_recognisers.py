"""Wallet checksums, bank accounts, driver licences, name gazetteer and place cues (no NER)."""

from __future__ import annotations

import pytest

from dataharbor.pipeline.stages._pii_crypto import base58check_ok, bech32_ok, eip55_ok, keccak256
from dataharbor.pipeline.stages._pii_recognisers import find_cheap
from dataharbor.pipeline.stages._pii_resolve import resolve
from dataharbor.pipeline.stages._pii_types import ALL_TYPES


def found(text: str, lang: str = "en") -> list[tuple[str, str]]:
    entities = resolve(find_cheap(text, frozenset(ALL_TYPES), lang), 0.5)
    return [(e.type, text[e.start : e.end]) for e in entities]


def test_keccak256_matches_the_known_empty_digest() -> None:
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


@pytest.mark.parametrize(
    "address",
    [
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",  # P2PKH, BIP-13 example
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",  # P2SH
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",  # BIP-173 test vector
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",  # EIP-55 test vector
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    ],
)
def test_valid_wallets_are_found(address: str) -> None:
    assert found(f"send it to {address} please") == [("CRYPTO", address)]


@pytest.mark.parametrize(
    "address",
    [
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",  # last char changed: Base58Check fails
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",  # Bech32 checksum fails
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # one letter's case flipped: EIP-55 fails
    ],
)
def test_wallets_with_a_wrong_checksum_are_not_found(address: str) -> None:
    assert ("CRYPTO", address) not in found(f"send it to {address} please")


def test_checksum_helpers_reject_junk() -> None:
    assert not base58check_ok("0OIl")
    assert not bech32_ok("bc1")
    assert not bech32_ok("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3t4")  # mixed case
    assert eip55_ok("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")


def test_lower_case_eth_address_needs_no_checksum() -> None:
    addr = "0x" + "ab12" * 10
    assert found(f"wallet {addr}") == [("CRYPTO", addr)]


def test_bank_account_only_after_an_account_word() -> None:
    assert ("BANK_ACCOUNT", "253888539336") in found("Bank account 253888539336, holder unknown.")
    assert ("BANK_ACCOUNT", "52808414") in found("Kontonummer: 52808414 bei der Bank", "de")
    assert ("BANK_ACCOUNT", "12345678901") in found("Compte bancaire n° 12345678901 ouvert hier", "fr")
    assert not [t for t, _ in found("Order 253888539336 shipped, tracking 1Z999AA10123456784")]


def test_driver_licence_after_its_word() -> None:
    assert ("NATIONAL_ID", "B072RRE2I55") in found("Führerscheinnummer B072RRE2I55, ausgestellt", "de")
    assert ("NATIONAL_ID", "123456789012") in found("Permis de conduire n° 123456789012 délivré", "fr")
    assert ("NATIONAL_ID", "MORGA753116SM9IJ") in found("Driving licence MORGA753116SM9IJ")


def test_nino_with_unallocated_prefix_needs_its_word() -> None:
    assert ("NATIONAL_ID", "ZZ 50 75 29 T") in found("National Insurance number ZZ 50 75 29 T.")
    assert not found("code ZZ 50 75 29 T")


def test_gazetteer_full_names_singles_and_cues() -> None:
    assert ("PERSON", "Anna Maria Faltyn") in found("the holder is Anna Maria Faltyn today")
    assert ("PERSON", "Stephen") in found("Contact Stephen for receipts.")
    assert ("PERSON", "richard") in found("thx richard! see u soon")
    assert ("PERSON", "Przemysław Dorawa") in found("Kind regards,\nPrzemysław Dorawa\n")


def test_gazetteer_skips_ambiguous_words_and_place_prefixes() -> None:
    assert not [v for t, v in found("We meet in May at the Rose garden.") if t == "PERSON"]
    assert ("PERSON", "Russell") not in found("see you in Port Russell tomorrow")
    assert not found("Dear Customer, hi team")


def test_place_cues_and_postcode_towns() -> None:
    assert ("LOCATION", "Port Russell") in found("see you in Port Russell tomorrow")
    assert ("LOCATION", "Hettstedt") in found("bin ab Montag in Hettstedt", "de")
    assert not [t for t, _ in found("We ship in January, in English, in Ordnung.")]
    assert ("ADDRESS", "96401 Wurzen") in found("Paket für Jo,\n96401 Wurzen", "de")
    assert ("ADDRESS", "Rebenweg 3a\n96401 Wurzen") in found("Rebenweg 3a\n96401 Wurzen", "de")
    assert ("ADDRESS", "PSC 3180, Box 2433, APO AE 98300") in found("of PSC 3180, Box 2433, APO AE 98300, saw")


def test_unformatted_digit_run_is_not_a_phone_without_a_phone_word() -> None:
    assert not [t for t, _ in found("Subject: refund 6205490695") if t == "PHONE"]
    assert ("PHONE", "0654526859") in found("Appelle-moi au 0654526859 !", "fr")
