"""A deterministic, span-labelled synthetic PII corpus built with Faker (en_US, en_GB, fr_FR, de_DE).

Two disjoint sets, each from its own templates and seed:
- `test`: 40 templates (letters, forms, chat, CVs, tickets, transfers, notes), seed 20261122. NEVER used to
  tune the `pii` stage: it exists to report honest figures.
- `tune`: 16 other templates, seed 7. The set rules may be tuned on.

Values are Faker's (names, addresses, phones, emails, IBANs, cards, IPs, SSN/NINO/NIR) or generated here
with a valid checksum where Faker has none (Steuer-ID, BTC base58check / bech32, ETH EIP-55). Non-PII
numbers (dates, prices, order/ticket/tracking numbers, versions, times, quantities) are mixed in to measure
false positives. A quarter of the person names come from locales whose names the stage's gazetteer does not
ship (pl_PL, cs_CZ, fi_FI, tr_TR, hu_HU, sv_SE): their spans carry origin "foreign", so name recall can be
read for names outside the gazetteer.

Also: `build_name_gazetteer()` writes the stage's first-name / surname lists from Faker's person
providers (`python bench/accuracy/_pii_synth.py --build-gazetteer`).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faker import Faker

LOCALES: dict[str, str] = {"en_US": "en", "en_GB": "en", "fr_FR": "fr", "de_DE": "de"}
FOREIGN_NAME_LOCALES = ("pl_PL", "cs_CZ", "fi_FI", "tr_TR", "hu_HU", "sv_SE")
GAZETTEER_LOCALES = ("en_US", "en_GB", "en_IE", "fr_FR", "de_DE", "de_AT", "es_ES", "it_IT", "pt_PT", "nl_NL")
TEST_SEED = 20261122
TUNE_SEED = 7


@dataclass
class SynthDoc:
    text: str
    lang: str
    locale: str
    template: str
    # (start, end, type, origin): origin is "foreign" for names from non-gazetteer locales, else ""
    spans: list[tuple[int, int, str, str]] = field(default_factory=list)


# ---------------------------------------------------------------- templates
# {slot} = a value; slots in PII_SLOTS are labelled, the others are decoys (not PII)
TEST_TEMPLATES: dict[str, list[str]] = {
    "en": [
        "Dear {title} {last},\n\nThank you for your order {order} placed on {date}. The total of {price} will be "
        "charged to your card {card}.\n\nKind regards,\n{name}",
        "Full name: {name}\nDate of birth: {date}\nAddress: {address}\nPhone: {phone}\nEmail: {email}",
        "hey it's {first_lower}, can u send the files to {email}? my number changed, it's {phone} now",
        "{name}\n{address_line}\n{phone} | {email}\n\nEXPERIENCE\n2019-2023  Senior analyst, {city}\n"
        "Skills: Python 3.11, SQL, Excel (version {version})",
        "Ticket #{ticket}: customer {name} reports login failures from IP {ip} since {date} {time}. "
        "Account number {account}. Priority: high.",
        "Please transfer {price} to IBAN {iban} (account holder: {name}) before {date}. Reference: INV-{order}.",
        "Employee {name}, {ssn_label} {ssn}, started on {date} at our {city} office. Bonus {percent}.",
        "Your parcel {tracking} will be delivered to {street}, {city} {postcode} on {date} between {time} and 18:00.",
        "Rental agreement {order}: driver {name}, driver's license {dl}, pick-up in {city} on {date}.",
        "Send the {qty} BTC refund to my wallet {btc}, not the old one. Thanks, {first}",
        "Notes {date}: {name} and {name2} agreed to move the launch to Q3. Budget {price}. "
        "{name2} will call {phone} to confirm.",
        "I'm {name}, flying from {city} to {city2} on flight BA{qty}{qty}. Passport {passport}.",
        "ETH payouts for the {date} round go to {eth} (owner {name}). Fee {percent}.",
        "Release {version} fixes {qty} bugs; build {order} passed on {date}. Price remains {price}.",
    ],
    "fr": [
        "Madame, Monsieur,\n\nJe soussigné(e) {name}, demeurant au {address_line}, certifie sur l'honneur "
        "l'exactitude des informations.\n\nFait à {city}, le {date}.",
        "Bonjour {first}, ta commande n° {order} de {price} est prête. Appelle-moi au {phone} !",
        "Nom : {last}\nPrénom : {first}\nAdresse : {address}\nTéléphone : {phone}\nCourriel : {email}",
        "Virement de {price} sur le compte {iban} au nom de {name}, échéance le {date}.",
        "N° de sécurité sociale : {ssn} - assuré(e) {name}, né(e) le {date} à {city}.",
        "Ticket {ticket} : connexion refusée depuis l'adresse IP {ip} pour l'utilisateur {email} (version {version}).",
        "salut c'est {first_lower} ! je suis à {city} jusqu'au {date}, mon num c'est {phone}",
        "Mme {last} a payé {price} avec la carte {card} le {date}.",
        "Permis de conduire n° {dl} délivré à {name} le {date}.",
        "CV - {name}\n{address_line}\n{phone} · {email}\nExpérience : 2018-2022 chef de projet à {city}.",
        "Paiement en bitcoin sur l'adresse {btc} ; reçu {order}, montant {price}.",
        "Compte bancaire n° {account} ouvert par M. {last} à l'agence de {city} le {date}.",
        "Livraison prévue le {date} ; commande {order}, {qty} articles, total {price} TTC.",
    ],
    "de": [
        "Sehr geehrte Frau {last},\n\nvielen Dank für Ihre Bestellung {order} vom {date}. Der Betrag von {price} "
        "wird von Ihrem Konto {iban} abgebucht.\n\nMit freundlichen Grüßen\n{name}",
        "Name: {name}\nAnschrift: {address}\nTelefon: {phone}\nE-Mail: {email}",
        "hi, hier ist {first_lower}. bin ab {date} in {city}, ruf mich an: {phone}",
        "Steuer-ID {ssn} gehört zu {name}, wohnhaft in {city}.",
        "Lebenslauf {name}, {address_line}, Tel. {phone}, geboren am {date} in {city}.",
        "Störungsmeldung {ticket}: Zugriff von {ip} auf das Konto von {email} um {time} Uhr.",
        "Herr {last} zahlte {price} mit Kreditkarte {card}.",
        "Führerscheinnummer {dl}, Inhaber {name}, ausgestellt am {date}.",
        "Kontonummer {account} bei der Sparkasse {city}, Inhaberin {name}.",
        "Bitte überweisen Sie die ETH an {eth}. Rechnung {order}, {price}.",
        "Besprechung am {date}: {name} und {name2} haben Version {version} freigegeben.",
        "Lieferadresse: {street}, {postcode} {city}. Paket {tracking}.",
        "Version {version} vom {date}: {qty} Fehler behoben, Preis {price} inkl. MwSt.",
    ],
}
TUNE_TEMPLATES: dict[str, list[str]] = {
    "en": [
        "From: {name} <{email}>\nSubject: refund {order}\n\nPlease refund {price} to {iban}. "
        "I live at {address_line}. Call {phone}.",
        "{name} ({email}) logged in from {ip} at {time} on {date}.",
        "Witness statement: I, {name}, of {address_line}, saw the accident in {city} on {date}.",
        "Donations: bitcoin {btc}, ethereum {eth}. Contact {first} for receipts.",
        "Bank account {account}, holder {name}. Driver licence {dl}. {ssn_label} {ssn}.",
        "thx {first_lower}! see u in {city} on {date}",
    ],
    "fr": [
        "De : {name} <{email}>\nObjet : remboursement {order}\n\nMerci de rembourser {price} sur {iban}. "
        "J'habite {address_line}.",
        "Le client {name} (tél. {phone}) habite à {city} depuis {date}.",
        "Sécu {ssn}, permis {dl}, compte {account}, carte {card}.",
        "coucou {first_lower}, rdv à {city} le {date} vers {time}",
        "Cher {first},\n\nmerci pour ton message.\n\nBien à toi,\n{name}",
    ],
    "de": [
        "Von: {name} <{email}>\nBetreff: Erstattung {order}\n\nBitte erstatten Sie {price} auf {iban}. "
        "Ich wohne in der {street}, {postcode} {city}.",
        "Der Kunde {name} (Tel. {phone}) wohnt seit {date} in {city}.",
        "Konto {account}, Führerschein {dl}, Wallet {btc}, Server {ip}.",
        "servus {first_lower}, treffen wir uns am {date} in {city}?",
        "Liebe {first},\n\ndanke für alles.\n\nViele Grüße\n{name}",
    ],
}
PII_SLOTS: dict[str, str] = {
    "name": "PERSON",
    "name2": "PERSON",
    "first": "PERSON",
    "first_lower": "PERSON",
    "last": "PERSON",
    "city": "LOCATION",
    "city2": "LOCATION",
    "address": "ADDRESS",
    "address_line": "ADDRESS",
    "street": "ADDRESS",
    "postcode": "ADDRESS",
    "phone": "PHONE",
    "email": "EMAIL",
    "iban": "IBAN",
    "card": "CREDIT_CARD",
    "ip": "IP_ADDRESS",
    "ssn": "NATIONAL_ID",
    "dl": "NATIONAL_ID",
    "passport": "NATIONAL_ID",
    "account": "BANK_ACCOUNT",
    "btc": "CRYPTO",
    "eth": "CRYPTO",
}
_SLOT = re.compile(r"\{(\w+)\}")


# ---------------------------------------------------------------- checksummed values Faker lacks
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def base58check(payload: bytes) -> str:
    data = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def bech32_segwit(program: bytes, hrp: str = "bc") -> str:
    """A version-0 segwit address (BIP-173)."""
    acc = bits = 0
    data = [0]
    for b in program:
        acc = (acc << 8) | b
        bits += 8
        while bits >= 5:
            bits -= 5
            data.append((acc >> bits) & 31)
    if bits:
        data.append((acc << (5 - bits)) & 31)
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    poly = _bech32_polymod(expanded + data + [0] * 6) ^ 1
    checksum = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(_BECH32[d] for d in data + checksum)


def _keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum uses it (not NIST SHA3: different padding). Small, slow, fine for tests."""
    rc = [
        0x1, 0x8082, 0x800000000000808A, 0x8000000080008000, 0x808B, 0x80000001, 0x8000000080008081,
        0x8000000000008009, 0x8A, 0x88, 0x80008009, 0x8000000A, 0x8000808B, 0x800000000000008B,
        0x8000000000008089, 0x8000000000008003, 0x8000000000008002, 0x8000000000000080, 0x800A,
        0x800000008000000A, 0x8000000080008081, 0x8000000000008080, 0x80000001, 0x8000000080008008,
    ]  # fmt: skip
    rot = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14]]
    mask = (1 << 64) - 1
    rate = 136
    msg = bytearray(data) + b"\x01" + b"\0" * ((-len(data) - 1) % rate)
    msg[-1] |= 0x80
    st = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        for i in range(rate // 8):
            st[i % 5][i // 5] ^= int.from_bytes(msg[off + 8 * i : off + 8 * i + 8], "little")
        for rnd in range(24):
            c = [st[x][0] ^ st[x][1] ^ st[x][2] ^ st[x][3] ^ st[x][4] for x in range(5)]
            d = [c[(x - 1) % 5] ^ ((c[(x + 1) % 5] << 1 | c[(x + 1) % 5] >> 63) & mask) for x in range(5)]
            st = [[st[x][y] ^ d[x] for y in range(5)] for x in range(5)]
            b = [[0] * 5 for _ in range(5)]
            for x in range(5):
                for y in range(5):
                    r = rot[x][y]
                    b[y][(2 * x + 3 * y) % 5] = ((st[x][y] << r) | (st[x][y] >> (64 - r))) & mask if r else st[x][y]
            st = [[b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
            st[0][0] ^= rc[rnd]
    return b"".join(st[i % 5][i // 5].to_bytes(8, "little") for i in range(4))


def eip55(raw20: bytes) -> str:
    hexaddr = raw20.hex()
    digest = _keccak256(hexaddr.encode()).hex()
    return "0x" + "".join(c.upper() if c.isalpha() and int(digest[i], 16) >= 8 else c for i, c in enumerate(hexaddr))


def steuer_id(rng: random.Random) -> str:
    """A German tax id passing ISO 7064 MOD 11,10 with one digit used twice (the common rule)."""
    while True:
        digits = rng.sample(range(10), 9)
        if digits[0] == 0:
            continue
        digits.insert(rng.randrange(1, 10), rng.choice(digits))
        product = 10
        for d in digits:
            total = (d + product) % 10 or 10
            product = (total * 2) % 11
        check = (11 - product) % 10
        return "".join(map(str, digits)) + str(check)


def nir(rng: random.Random) -> str:
    body = f"{rng.choice('12')}{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}"
    body += f"{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}"
    return f"{body} {97 - int(body) % 97:02d}"


# ---------------------------------------------------------------- value makers
class _Maker:
    def __init__(self, locale: str, seed: int) -> None:
        self.locale = locale
        self.rng = random.Random(f"{seed}-{locale}")
        self.fake = Faker(locale)
        self.fake.seed_instance(seed)
        self.foreign = {loc: Faker(loc) for loc in FOREIGN_NAME_LOCALES}
        for i, f in enumerate(self.foreign.values()):
            f.seed_instance(f"{seed}-{locale}-{i}")

    def person_faker(self) -> tuple[Faker, str]:
        if self.rng.random() < 0.25:
            return self.foreign[self.rng.choice(FOREIGN_NAME_LOCALES)], "foreign"
        return self.fake, ""

    def value(self, slot: str) -> tuple[str, str]:
        """(value, origin) for a slot."""
        f, rng, loc = self.fake, self.rng, self.locale
        if slot in ("name", "name2", "first", "first_lower", "last"):
            pf, origin = self.person_faker()
            first, last = pf.first_name(), pf.last_name()
            value = {"first": first, "first_lower": first.lower(), "last": last}.get(slot, f"{first} {last}")
            return value, origin
        makers: dict[str, Callable[[], str]] = {
            "city": f.city,
            "city2": f.city,
            "address": lambda: f.address(),
            "address_line": lambda: f.address().replace("\n", ", "),
            "street": f.street_address,
            "postcode": f.postcode,
            "phone": f.phone_number,
            "email": f.email,
            "iban": lambda: self._iban(),
            "card": lambda: self._card(),
            "ip": lambda: f.ipv4_public() if rng.random() < 0.8 else f.ipv6(),
            "ssn": lambda: self._national_id(),
            "dl": lambda: self._licence(),
            "passport": lambda: f.bothify("?########").upper() if loc == "en_US" else f.numerify("#########"),
            "account": lambda: self._account(),
            "btc": lambda: self._btc(),
            "eth": lambda: eip55(rng.randbytes(20)) if rng.random() < 0.8 else "0x" + rng.randbytes(20).hex(),
            "title": lambda: rng.choice(["Mr", "Mrs", "Ms", "Dr", "Mr.", "Ms."]),
            "ssn_label": lambda: "SSN" if loc == "en_US" else "National Insurance number",
            "order": lambda: str(rng.randint(100000, 9999999999)),
            "ticket": lambda: str(rng.randint(10000, 999999)),
            "tracking": lambda: rng.choice(["1Z", "JD"]) + f.bothify("??########??##").upper(),
            "date": lambda: self._date(),
            "time": lambda: f"{rng.randint(7, 20):02d}:{rng.choice(['00', '15', '30', '45'])}",
            "price": lambda: self._price(),
            "percent": lambda: f"{rng.randint(1, 30)}%",
            "qty": lambda: str(rng.randint(2, 99)),
            "version": lambda: f"{rng.randint(1, 12)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
        }
        return makers[slot](), ""

    def _iban(self) -> str:
        raw = self.fake.iban()
        if self.rng.random() < 0.5:
            return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
        return raw

    def _card(self) -> str:
        raw = self.fake.credit_card_number(card_type=self.rng.choice(["visa16", "mastercard", "amex", "discover"]))
        if len(raw) == 16 and self.rng.random() < 0.6:
            return " ".join(raw[i : i + 4] for i in range(0, 16, 4))
        return raw

    def _national_id(self) -> str:
        if self.locale == "fr_FR":
            return nir(self.rng)
        if self.locale == "de_DE":
            return steuer_id(self.rng)
        return str(self.fake.ssn())  # en_US: SSN, en_GB: NINO

    def _licence(self) -> str:
        f, rng = self.fake, self.rng
        if self.locale == "en_US":
            return rng.choice([f.bothify("?#######"), f.numerify("#########"), f.bothify("?###-####-####")]).upper()
        if self.locale == "en_GB":  # DVLA: 5 of surname, 6 digits, initials, digit, 2 check chars
            surname = re.sub(r"[^A-Z]", "", f.last_name().upper())[:5].ljust(5, "9")
            return surname + f.numerify("######") + f.bothify("??#??").upper()
        if self.locale == "fr_FR":
            return f.numerify("############") if rng.random() < 0.5 else f.bothify("##??#####").upper()
        return f.bothify("?###??#?##").upper() + str(rng.randint(0, 9))

    def _account(self) -> str:
        if self.locale == "en_US":
            return self.fake.numerify("#" * self.rng.randint(8, 12))
        if self.locale == "en_GB":
            return self.fake.numerify("########")
        if self.locale == "fr_FR":
            return self.fake.numerify("###########")
        return self.fake.numerify("#" * self.rng.randint(7, 10))

    def _btc(self) -> str:
        kind = self.rng.random()
        if kind < 0.4:
            return base58check(b"\x00" + self.rng.randbytes(20))
        if kind < 0.6:
            return base58check(b"\x05" + self.rng.randbytes(20))
        return bech32_segwit(self.rng.randbytes(20))

    def _date(self) -> str:
        d = self.fake.date_between(start_date="-3y", end_date="+1y")
        fmt = {"en_US": "%m/%d/%Y", "en_GB": "%d/%m/%Y", "fr_FR": "%d/%m/%Y", "de_DE": "%d.%m.%Y"}[self.locale]
        if self.rng.random() < 0.3:
            fmt = "%Y-%m-%d"
        return d.strftime(fmt)

    def _price(self) -> str:
        amount = self.rng.randint(5, 250000) / 100
        if self.locale == "en_US":
            return f"${amount:,.2f}"
        if self.locale == "en_GB":
            return f"£{amount:,.2f}"
        text = f"{amount:,.2f}".replace(",", " ").replace(".", ",")
        if self.locale == "de_DE":
            text = text.replace(" ", ".")
        return text + (" €" if self.rng.random() < 0.7 else " EUR")


def render(template: str, maker: _Maker) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Fill a template; a slot used twice ("{name2} ... {name2}") gets the same value."""
    parts: list[str] = []
    spans: list[tuple[int, int, str, str]] = []
    values: dict[str, tuple[str, str]] = {}
    pos = 0
    length = 0
    for m in _SLOT.finditer(template):
        literal = template[pos : m.start()]
        parts.append(literal)
        length += len(literal)
        slot = m.group(1)
        if slot not in values or slot in ("qty", "time", "date", "price"):
            values[slot] = maker.value(slot)
        value, origin = values[slot]
        if slot in PII_SLOTS:
            spans.append((length, length + len(value), PII_SLOTS[slot], origin))
        parts.append(value)
        length += len(value)
        pos = m.end()
    parts.append(template[pos:])
    return "".join(parts), spans


def generate(split: str = "test", per_locale: int = 120) -> list[SynthDoc]:
    """`per_locale` documents for each of the four locales, cycling through the split's templates."""
    if split.startswith("pstyle"):
        return generate_presidio_style(split)
    templates = TEST_TEMPLATES if split == "test" else TUNE_TEMPLATES
    seed = TEST_SEED if split == "test" else TUNE_SEED
    docs: list[SynthDoc] = []
    for locale, lang in LOCALES.items():
        maker = _Maker(locale, seed)
        pool = templates[lang]
        for i in range(per_locale):
            template = pool[i % len(pool)]
            text, spans = render(template, maker)
            docs.append(SynthDoc(text, lang, locale, f"{lang}{i % len(pool):02d}", spans))
    return docs


# ---------------------------------------------------------------- presidio-research-style dev set
# Short customer-service / chat sentences in the style of presidio-research's generator (whose records 0-49
# of generated_small are the only ones looked at): English text holding names, places and postal blocks from
# many countries, some records lower-cased, multi-line address blocks without street words or cues, PO boxes,
# units, "City, ST 12345", bare cities and countries, personal URLs. Written for this work (not copied from
# presidio-research). Templates alternate between `pstyle_tune` (even) and `pstyle_check` (odd): rules may be
# tuned on pstyle_tune; pstyle_check shows whether they carry over to templates not tuned on.
PSTYLE_SEED = 4242
PSTYLE_ADDRESS_LOCALES = (
    "en_US", "en_GB", "en_AU", "en_NZ", "en_IN", "de_DE", "de_CH", "nl_NL", "nl_BE", "fr_FR", "fr_CH", "es_ES",
    "it_IT", "pt_BR", "pt_PT", "cs_CZ", "pl_PL", "hu_HU", "fi_FI", "sv_SE", "da_DK", "no_NO", "hr_HR", "sk_SK",
    "sl_SI", "ro_RO", "el_GR", "tr_TR",
)  # fmt: skip
PSTYLE_NAME_LOCALES = (*PSTYLE_ADDRESS_LOCALES, "pl_PL", "cs_CZ", "fi_FI", "tr_TR", "hu_HU", "sv_SE", "lt_LT")
# postal blocks: {bn} building number, {street} a locale's street address, {unit}, {city}, {state}, {zip},
# {country} (English name); each slot is a labelled span of its own, as in generated_small
PSTYLE_ADDRESSES = (
    "{bn} {street}\n{unit}\n{city}\n, {state}\n {country} {zip}",
    "{bn} {street}\n{city}\n, {state}\n {country} {zip}",
    "{street}, {city}, {state} {zip}",
    "{street}\n{city}, {state} {zip}",
    "{street}, {unit}, {city} {zip}, {country}",
    "P.O. Box {box}, {city}, {state} {zip}",
    "PO Box {box}\n{city} {zip}\n{country}",
    "{street}\n{zip} {city}\n{country}",
    "{street}, {zip} {city}",
    "{unit}, {street}, {city}",
)
PSTYLE_TEMPLATES = (
    "Please ship the replacement to {ADDR}",
    "{name}\n{ADDR}",
    "My new address is {ADDR}, please update my account.",
    "I moved to {city} last year, can you change my branch?",
    "Deliver to: {name}, {ADDR}",
    "{name} was born in {city}, {country}.",
    "we spent the summer in {city} with {first_lower}",
    "Check out my blog at {url}",
    "tell {first_lower} that the package arrived",
    "Can you forward the statement to {title} {last}?",
    "Our office moved from {city} to {city2}.",
    "Where: {city} Community Hall\nWhen: {date}",
    "Send the documents to {ADDR} before Friday.",
    "Hi, this is {name} from {city}. I need a new card.",
    "The package for {name} is stuck in {country}.",
    "Visit {url} for the photos of {first}'s wedding.",
    "{first} and {first2} met in {city} in 2015.",
    "mailing address: {ADDR}",
    "I live on {street} in {city}.",
    "Is {ADDR} still the right address for {first}?",
    "{NAME}\n{ADDR}",
    "Location: {city}, {country}",
    "ask {first_lower} {last_lower} about the refund",
    "My daughter {first} just moved to {country}.",
    "He grew up in {city} and now lives in {city2}.",
    "Billing address\n{ADDR}",
    "my personal site is {url} if you need my cv",
    "{title} {name} will visit the {city} branch on Monday.",
    "Return address: {ADDR}",
    "The card was stolen in {city} yesterday.",
)
PSTYLE_SLOTS: dict[str, str] = {
    "name": "PERSON", "NAME": "PERSON", "first": "PERSON", "first2": "PERSON", "first_lower": "PERSON",
    "last": "PERSON", "last_lower": "PERSON", "city": "LOCATION", "city2": "LOCATION", "country": "LOCATION",
    "url": "URL", "bn": "ADDRESS", "street": "ADDRESS", "unit": "ADDRESS", "state": "ADDRESS", "zip": "ADDRESS",
    "box": "ADDRESS",
}  # fmt: skip


def _pstyle_doc(template: str, rng: random.Random, fakers: dict[str, Faker], lower: bool) -> SynthDoc:
    us = fakers["en_US"]
    addr_loc = rng.choice(PSTYLE_ADDRESS_LOCALES)
    addr = fakers[addr_loc]
    template = template.replace("{ADDR}", rng.choice(PSTYLE_ADDRESSES))

    def person() -> Faker:
        return fakers[rng.choice(PSTYLE_NAME_LOCALES)]

    makers: dict[str, Callable[[], str]] = {
        "name": lambda: f"{(p := person()).first_name()} {p.last_name()}",
        "NAME": lambda: f"{(p := person()).first_name()} {p.last_name()}".upper(),
        "first": lambda: person().first_name(),
        "first2": lambda: person().first_name(),
        "first_lower": lambda: person().first_name().lower(),
        "last": lambda: person().last_name(),
        "last_lower": lambda: person().last_name().lower(),
        "city": lambda: fakers[rng.choice(PSTYLE_ADDRESS_LOCALES)].city(),
        "city2": lambda: fakers[rng.choice(PSTYLE_ADDRESS_LOCALES)].city(),
        "country": us.country,
        "url": us.url,
        "bn": lambda: str(rng.randint(1, 99)).zfill(rng.choice((1, 2))),
        "street": addr.street_address,
        "unit": lambda: rng.choice(("Apt.", "Apt", "Suite", "Unit", "apt.", "Flat")) + f" {rng.randint(1, 999)}",
        "state": lambda: (
            us.state_abbr()
            if addr_loc == "en_US" or rng.random() < 0.5
            else rng.choice(("VOV", "JN", "NSW", "ON", "BY", "ZH", "QC", "nan"))
        ),
        "zip": addr.postcode,
        "box": lambda: str(rng.randint(10, 99999)),
        "title": lambda: rng.choice(("Mr.", "Mrs.", "Ms.", "Dr.", "Mr", "Prof.")),
        "date": lambda: us.date(),
    }
    parts: list[str] = []
    spans: list[tuple[int, int, str, str]] = []
    pos = length = 0
    for m in _SLOT.finditer(template):
        literal = template[pos : m.start()]
        parts.append(literal)
        length += len(literal)
        slot = m.group(1)
        value = makers[slot]()
        if slot in PSTYLE_SLOTS:
            spans.append((length, length + len(value), PSTYLE_SLOTS[slot], ""))
        parts.append(value)
        length += len(value)
        pos = m.end()
    parts.append(template[pos:])
    text = "".join(parts)
    return SynthDoc(text.lower() if lower else text, "en", addr_loc, "pstyle", spans)


# Faker provider lists of place names; it_IT's towns are built as `list({...})`, so their order (and the seeded
# draws from them) would follow the process's string-hash seed
PLACE_LIST_ATTRS = ("cities", "city_names", "real_city_names", "localities", "places", "communes", "villages",
                    "settlements", "towns", "province_lgus")  # fmt: skip


def stable_place_lists(faker: Faker) -> None:
    """Sorts a Faker's place-name lists so that a seeded split holds the same documents in every process."""
    for provider in faker.providers:
        for attr in PLACE_LIST_ATTRS:
            values = getattr(provider, attr, None)
            if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
                setattr(provider, attr, sorted(values))


def generate_presidio_style(split: str = "pstyle_tune", docs: int = 300) -> list[SynthDoc]:
    """`docs` English documents from the even (pstyle_tune) or odd (pstyle_check) templates; a fifth lower-cased."""
    first = 0 if split == "pstyle_tune" else 1
    pool = PSTYLE_TEMPLATES[first::2]
    rng = random.Random(f"{PSTYLE_SEED}-{split}")
    fakers = {loc: Faker(loc) for loc in dict.fromkeys(PSTYLE_NAME_LOCALES)}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(f"{PSTYLE_SEED}-{split}-{i}")
        stable_place_lists(f)
    out = []
    for i in range(docs):
        doc = _pstyle_doc(pool[i % len(pool)], rng, fakers, lower=rng.random() < 0.2)
        doc.template = f"p{first + 2 * (i % len(pool)):02d}"
        out.append(doc)
    return out


# ---------------------------------------------------------------- gazetteer build
def _names(module: Any, attr: str) -> list[str]:
    value = getattr(module.Provider, attr, ())
    return list(value.keys() if isinstance(value, dict) else value)


def build_name_gazetteer(out_dir: Path) -> tuple[int, int]:
    """Lower-cased first names and surnames of Faker's person providers (MIT) for GAZETTEER_LOCALES,
    minus en/fr/de stop words; one name per line, gzip."""
    from spacy.lang.de.stop_words import STOP_WORDS as DE
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.fr.stop_words import STOP_WORDS as FR

    stop = {w.lower() for w in EN | FR | DE}
    firsts: set[str] = set()
    lasts: set[str] = set()
    for loc in GAZETTEER_LOCALES:
        module = importlib.import_module(f"faker.providers.person.{loc}")
        for attr in ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary"):
            firsts.update(n.lower() for n in _names(module, attr))
        lasts.update(n.lower() for n in _names(module, "last_names"))
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = []
    for name, values in (("first_names", firsts), ("surnames", lasts)):
        kept = sorted(v for v in values if len(v) > 1 and v not in stop and " " not in v)
        with gzip.open(out_dir / f"{name}.txt.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
            fh.write("\n".join(kept) + "\n")
        counts.append(len(kept))
    return counts[0], counts[1]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-gazetteer", action="store_true")
    ap.add_argument("--show", type=int, default=0, help="print N documents of the tune split")
    args = ap.parse_args()
    if args.build_gazetteer:
        target = Path(__file__).resolve().parents[2] / "src" / "dataharbor" / "models" / "pii"
        print("first names, surnames:", build_name_gazetteer(target))
    for doc in generate("tune")[: args.show]:
        print(repr(doc.text), [(doc.text[s:e], t) for s, e, t, _ in doc.spans])
