"""Check-digit algorithms that separate real identifiers from look-alike numbers.

Each function takes the compact value (separators already removed) and returns whether the
check digit(s) are right. They never raise on malformed input: they return False.
"""

from __future__ import annotations

import string

# ISO 13616 lengths; a candidate whose country is unknown is rejected (prevents "AB12 ..." noise).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24,
    "AE": 23,
    "AL": 28,
    "AT": 20,
    "AZ": 28,
    "BA": 20,
    "BE": 16,
    "BG": 22,
    "BH": 22,
    "BR": 29,
    "BY": 28,
    "CH": 21,
    "CR": 22,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "DO": 28,
    "EE": 20,
    "EG": 29,
    "ES": 24,
    "FI": 18,
    "FO": 18,
    "FR": 27,
    "GB": 22,
    "GE": 22,
    "GI": 23,
    "GL": 18,
    "GR": 27,
    "GT": 28,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IL": 23,
    "IQ": 23,
    "IS": 26,
    "IT": 27,
    "JO": 30,
    "KW": 30,
    "KZ": 20,
    "LB": 28,
    "LC": 32,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MD": 24,
    "ME": 22,
    "MK": 19,
    "MR": 27,
    "MT": 31,
    "MU": 30,
    "NL": 18,
    "NO": 15,
    "PK": 24,
    "PL": 28,
    "PS": 29,
    "PT": 25,
    "QA": 29,
    "RO": 24,
    "RS": 22,
    "SA": 24,
    "SC": 31,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "ST": 25,
    "SV": 28,
    "TL": 23,
    "TN": 24,
    "TR": 26,
    "UA": 29,
    "VA": 22,
    "VG": 24,
    "XK": 20,
}

_ALNUM_VALUE = {c: i for i, c in enumerate(string.digits + string.ascii_uppercase)}


def luhn_ok(digits: str) -> bool:
    """Payment cards (ISO/IEC 7812): double every second digit from the right."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """ISO 13616: right length for the country, and mod 97 of the rearranged number is 1."""
    iban = iban.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban[2:4].isdigit() or not iban.isalnum():
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(_ALNUM_VALUE[c]) for c in rearranged)) % 97 == 1


def nir_ok(nir: str) -> bool:
    """French NIR / INSEE number: 13 characters + key = 97 - (number mod 97).

    Corsican departments 2A/2B are replaced by 19/18 before the computation (INSEE rule).
    """
    nir = nir.upper()
    if len(nir) != 15 or not nir[13:].isdigit():
        return False
    body = nir[:13].replace("2A", "19", 1) if nir[5:7] == "2A" else nir[:13]
    body = body.replace("2B", "18", 1) if nir[5:7] == "2B" else body
    if not body.isdigit():
        return False
    return 97 - int(body) % 97 == int(nir[13:])


def steuer_id_ok(tin: str) -> bool:
    """German Steuerliche Identifikationsnummer: 11 digits, ISO 7064 MOD 11,10 check digit,
    and in the first ten digits exactly one digit repeats (twice or three times)."""
    if len(tin) != 11 or not tin.isdigit() or tin[0] == "0":
        return False
    counts = [tin[:10].count(d) for d in set(tin[:10])]
    repeated = [c for c in counts if c > 1]
    if len(repeated) != 1 or repeated[0] not in (2, 3):
        return False
    product = 10
    for ch in tin[:10]:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return (0 if check == 10 else check) == int(tin[10])


def icao_check_ok(value: str) -> bool:
    """ICAO 9303 7-3-1 check digit (German Personalausweis / passport serial numbers):
    the last character is the check digit of the preceding ones; letters count A=10 … Z=35."""
    if len(value) < 2 or not value[-1].isdigit():
        return False
    weights = (7, 3, 1)
    try:
        total = sum(_ALNUM_VALUE[c] * weights[i % 3] for i, c in enumerate(value[:-1].upper()))
    except KeyError:
        return False
    return total % 10 == int(value[-1])


def nhs_ok(number: str) -> bool:
    """UK NHS number: 10 digits, weights 10..2 on the first nine, check = 11 - sum mod 11
    (11 means 0, 10 means the number is invalid)."""
    if len(number) != 10 or not number.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(number[9])


# Numbers the SSA never issues or that were burnt by publication (Woolworth's wallet card, ads).
_SSN_BLOCKLIST = {"078051120", "219099999", "123456789", "111111111", "333333333"}


def ssn_ok(ssn: str) -> bool:
    """US SSN validity rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    if len(ssn) != 9 or not ssn.isdigit() or ssn in _SSN_BLOCKLIST:
        return False
    area, group, serial = int(ssn[:3]), int(ssn[3:5]), int(ssn[5:])
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0


_NINO_BAD_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_ok(nino: str) -> bool:
    """UK National Insurance number format rules (there is no check digit): two prefix letters
    (not D, F, I, Q, U, V; second not O; some pairs never issued), six digits, suffix A-D."""
    nino = nino.upper()
    if len(nino) != 9 or not nino[2:8].isdigit() or nino[8] not in "ABCD":
        return False
    first, second = nino[0], nino[1]
    if first in "DFIQUV" or second in "DFIQUVO" or not (first.isalpha() and second.isalpha()):
        return False
    return nino[:2] not in _NINO_BAD_PREFIXES
