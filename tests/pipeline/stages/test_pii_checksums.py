"""Check-digit algorithms: valid identifiers pass, one changed digit fails."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dataharbor.pipeline.stages._pii_checksums import (
    iban_ok,
    icao_check_ok,
    luhn_ok,
    nhs_ok,
    nino_ok,
    nir_ok,
    ssn_ok,
    steuer_id_ok,
)


@pytest.mark.parametrize(
    ("check", "valid", "invalid"),
    [
        (luhn_ok, "4532015112830366", "4532015112830367"),
        (iban_ok, "DE89370400440532013000", "DE89370400440532013001"),
        (iban_ok, "FR1420041010050500013M02606", "FR1420041010050500013M02607"),
        (iban_ok, "GB82WEST12345698765432", "GB82WEST12345698765433"),
        (nir_ok, "255081416802538", "255081416802539"),
        (nir_ok, "185079935040075", "185079935040076"),
        (steuer_id_ok, "86095742719", "86095742718"),
        (icao_check_ok, "T220001293", "T220001294"),
        (nhs_ok, "9434765919", "9434765918"),
        (ssn_ok, "531217351", "666217351"),
        (nino_ok, "AB123456C", "GB123456C"),
    ],
)
def test_check_accepts_valid_and_rejects_changed(check: Callable[[str], bool], valid: str, invalid: str) -> None:
    assert check(valid)
    assert not check(invalid)


def test_ssn_rules() -> None:
    assert not ssn_ok("000121234")
    assert not ssn_ok("900121234")
    assert not ssn_ok("531001234")
    assert not ssn_ok("531120000")
    assert not ssn_ok("078051120")  # the Woolworth wallet number


def test_nir_corsica() -> None:
    body = "185072A123456"
    key = 97 - int(body.replace("2A", "19")) % 97
    assert nir_ok(f"{body}{key:02d}")
    assert not nir_ok(f"{body}{(key + 1) % 97:02d}")
