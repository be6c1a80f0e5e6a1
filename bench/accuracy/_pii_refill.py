"""A dev set in generated_small's own style: its tune templates refilled with fresh Faker values.

presidio-research's `generated_small.json` (MIT) keeps, for every record, the generator's template in its
`masked` field ("{{first_name}} lives at {{building_number}} {{street_name}}, {{city}}"). This module reads
the templates of records 0-49 only (the `tune` records of bench/accuracy/pii.py; records 50-99 are held out
and their templates are never read), keeps each distinct template once, and fills every placeholder many
times with values from Faker in 40 locales: names, towns, streets with their local house-number order,
postcodes, postal blocks in the layouts of generated_small, countries, companies, URLs, phones, cards, SSNs.
A fifth of the documents are lower-cased and a few values upper-cased, as the generator does. Each filled
value is a gold span (exclusive end) of the type generated_small gives it; ORGANIZATION, TITLE and
DATE_TIME spans are out of scope ("OUT:" types: not counted for recall, predictions on them are wrong).

Two splits with disjoint seeds: `refill_tune` (misses may be read and rules tuned on it) and
`refill_check` (the same templates, unseen values: whether a rule generalises beyond the values it was
written for). `python bench/accuracy/_pii_refill.py --show N` prints documents of refill_tune.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import pkgutil
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from _pii_synth import PLACE_LIST_ATTRS, SynthDoc, stable_place_lists
from faker import Faker

from dataharbor.evaldata import evaldata_dir

REFILL_SEEDS = {"refill_tune": 5150, "refill_check": 6160}
TUNE_RECORDS = range(0, 50)
FILLS_PER_TEMPLATE = 20
# Latin-script locales (and Greek) with their own town / street / postcode lists or patterns
REFILL_LOCALES = (
    "en_US", "en_GB", "en_AU", "en_NZ", "en_IN", "en_IE", "en_CA", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CH",
    "nl_NL", "nl_BE", "es_ES", "es_MX", "es_AR", "es_CL", "es_CO", "it_IT", "pt_BR", "pt_PT", "cs_CZ", "sk_SK",
    "pl_PL", "hu_HU", "ro_RO", "hr_HR", "sl_SI", "el_GR", "tr_TR", "fi_FI", "sv_SE", "da_DK", "no_NO", "et_EE",
    "lt_LT", "lv_LV", "id_ID", "zu_ZA",
)  # fmt: skip
# the generator's placeholder -> gold type (as generated_small labels it, mapped like bench/accuracy/pii.py)
SLOT_TYPES: dict[str, str] = {
    "first_name": "PERSON", "first_name_male": "PERSON", "first_name_female": "PERSON", "last_name": "PERSON",
    "last_name_male": "PERSON", "last_name_female": "PERSON", "name": "PERSON", "name_male": "PERSON",
    "name_female": "PERSON", "person": "PERSON", "city": "LOCATION", "country": "LOCATION",
    "nationality": "LOCATION", "street_name": "ADDRESS", "building_number": "ADDRESS",
    "secondary_address": "ADDRESS", "state_abbr": "ADDRESS", "zipcode": "ADDRESS", "postcode": "ADDRESS",
    "address": "ADDRESS", "phone_number": "PHONE", "credit_card_number": "CREDIT_CARD", "ssn": "NATIONAL_ID",
    "ip_address": "IP_ADDRESS", "email": "EMAIL", "url": "URL", "organization": "OUT:ORGANIZATION",
    "date_time": "OUT:DATE_TIME", "prefix_male": "OUT:TITLE", "prefix_female": "OUT:TITLE",
}  # fmt: skip
# values whose case the generator sometimes changes on its own (an upper-case town line, a name)
_RECASED = frozenset({"city", "street_name", "name", "person", "first_name", "last_name", "country"})
_NATIONALITIES = (
    "sudanese", "Sudanese", "French", "german", "Italian", "Greek", "Turkish", "polish", "Hungarian", "Romanian",
    "Brazilian", "mexican", "Australian", "Indian", "Irish", "Dutch", "Belgian", "Swiss", "Czech", "Slovak",
    "Croatian", "Finnish", "swedish", "Danish", "Norwegian", "Estonian", "Lithuanian", "Latvian", "Indonesian",
    "Chilean", "Colombian", "Argentinian", "Portuguese", "Spanish", "Canadian", "Kenyan", "Nigerian", "Peruvian",
)  # fmt: skip
# postal blocks in generated_small's layouts: building number, the locale's street (with its own house
# number), unit, town, region, postcode, country; a region may be missing ("nan") as in the generator
_ADDRESS_LAYOUTS = (
    "{bn} {street}\n{city}\n, {state}\n {zip}",
    "{bn} {street}\n{city}\n, {state}\n {country} {zip}",
    "{bn} {street} {unit} {city} {country}",
    "{bn} {street}\n{city}, {state} {zip}",
    "{street}\n{unit}\n{city}\n{country} {zip}",
    "{street}, {city} {zip}",
)
# a fixed end for generated dates (Faker's default end is "now", which changes the text on every run)
_DATES_END = datetime(2026, 1, 1)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_BLOCK_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    template_id: int
    masked: str


def tune_templates() -> list[Template]:
    """The distinct templates of generated_small records 0-49 (the held-out records are not opened)."""
    path = evaldata_dir() / "pii" / "presidio_research_synth" / "generated_small.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    seen: dict[int, Template] = {}
    for index in TUNE_RECORDS:
        item = records[index]
        seen.setdefault(int(item["template_id"]), Template(int(item["template_id"]), item["masked"]))
    return list(seen.values())


class _Filler:
    """Fresh values for one document: a person locale per name, one address locale per document."""

    def __init__(self, rng: random.Random, fakers: dict[str, Faker]) -> None:
        self.rng = rng
        self.fakers = fakers
        self.home_locale = rng.choice(REFILL_LOCALES)
        self.home = fakers[self.home_locale]
        self.us = fakers["en_US"]

    def _any(self) -> Faker:
        return self.fakers[self.rng.choice(REFILL_LOCALES)]

    def value(self, slot: str) -> str:
        makers: dict[str, Callable[[], str]] = {
            "first_name": lambda: self._any().first_name(),
            "first_name_male": lambda: self._any().first_name_male(),
            "first_name_female": lambda: self._any().first_name_female(),
            "last_name": lambda: self._any().last_name(),
            "last_name_male": lambda: self._any().last_name_male(),
            "last_name_female": lambda: self._any().last_name_female(),
            "name": self._name,
            "name_male": lambda: f"{(f := self._any()).first_name_male()} {f.last_name_male()}",
            "name_female": lambda: f"{(f := self._any()).first_name_female()} {f.last_name_female()}",
            "person": self._name,
            "city": lambda: self._any().city(),
            "country": self.us.country,
            "nationality": lambda: self.rng.choice(_NATIONALITIES),
            "street_name": self.home.street_address,
            "building_number": self._building_number,
            "secondary_address": self.us.secondary_address,
            "state_abbr": self._state,
            "zipcode": self.home.postcode,
            "postcode": self.home.postcode,
            "address": self._address,
            "phone_number": lambda: self._any().phone_number(),
            "credit_card_number": self.us.credit_card_number,
            "ssn": self.us.ssn,
            "ip_address": self.us.ipv4,
            "email": self.us.email,
            "url": self._url,
            "organization": self.us.company,
            "date_time": lambda: str(self.us.date_time(end_datetime=_DATES_END)),
            "prefix_male": lambda: self.rng.choice(("Mr.", "Dr.", "Mr", "Prof.")),
            "prefix_female": lambda: self.rng.choice(("Mrs.", "Ms.", "Dr.", "Miss", "Mrs")),
        }
        return makers[slot]()

    def _name(self) -> str:
        f = self._any()
        name = f"{f.first_name()} {f.last_name()}"
        return name + " " + self.rng.choice(("MD", "PhD", "Jr.", "DDS")) if self.rng.random() < 0.05 else name

    def _building_number(self) -> str:
        return str(self.rng.randint(0, 99)).zfill(2) if self.rng.random() < 0.4 else str(self.rng.randint(1, 99))

    def _state(self) -> str:
        return "nan" if self.rng.random() < 0.3 else self.us.state_abbr()

    def _url(self) -> str:
        words = "".join(w.capitalize() for w in self.us.words(2))
        return self.rng.choice(
            (f"http://www.{words}.{self.us.tld()}/", self.us.url(), f"https://{self.us.domain_name()}")
        )

    def _address(self) -> str:
        layout = self.rng.choice(_ADDRESS_LAYOUTS)
        parts = {
            "bn": self._building_number(),
            "street": self.home.street_address().replace("\n", " "),
            "unit": self.us.secondary_address(),
            "city": self.home.city(),
            "state": self._state() if self.rng.random() < 0.6 else self.rng.choice(("VOV", "JN", "VAN", "NSW")),
            "zip": self.home.postcode(),
            "country": self.us.country(),
        }
        return _BLOCK_SLOT.sub(lambda m: parts[m.group(1)], layout)


def fill(template: str, filler: _Filler, lower: bool) -> tuple[str, list[tuple[int, int, str, str]]]:
    """The template with every placeholder filled; spans at the filled positions."""
    rng = filler.rng
    out: list[str] = []
    spans: list[tuple[int, int, str, str]] = []
    length = pos = 0

    def put(piece: str) -> None:
        nonlocal length
        out.append(piece)
        length += len(piece)

    for m in _PLACEHOLDER.finditer(template):
        literal = template[pos : m.start()]
        put(literal.lower() if lower else literal)
        slot = m.group(1)
        value = filler.value(slot).replace("\n", " ") if slot != "address" else filler.value(slot)
        if lower:
            value = value.lower()
        elif slot in _RECASED and rng.random() < 0.06:
            value = value.upper()
        start = length
        put(value)
        if slot in SLOT_TYPES:
            spans.append((start, length, SLOT_TYPES[slot], ""))
        pos = m.end()
    tail = template[pos:]
    put(tail.lower() if lower else tail)
    return "".join(out), spans


def generate_refill(split: str = "refill_tune", fills: int = FILLS_PER_TEMPLATE) -> list[SynthDoc]:
    """`fills` documents per distinct tune template; `refill_tune` and `refill_check` differ only by seed."""
    seed = REFILL_SEEDS[split]
    rng = random.Random(f"{seed}-{split}")
    fakers = {loc: Faker(loc) for loc in REFILL_LOCALES}
    for i, f in enumerate(fakers.values()):
        f.seed_instance(f"{seed}-{i}")
        stable_place_lists(f)
    docs: list[SynthDoc] = []
    for template in tune_templates():
        for _ in range(fills):
            filler = _Filler(rng, fakers)
            text, spans = fill(template.masked, filler, lower=rng.random() < 0.2)
            docs.append(SynthDoc(text, "en", filler.home_locale, f"g{template.template_id}", spans))
    return docs


# ---------------------------------------------------------------- place gazetteer build
# Faker address-provider lists that hold real place names (towns, municipalities, villages, localities);
# generated ones ("East Jessicaberg") come from formats, not lists, and are not included
_PLACE_ATTRS = PLACE_LIST_ATTRS
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _common_words(corpus: Path, min_count: int = 3) -> set[str]:
    """Lower-cased words seen >= `min_count` times in the benchmark corpus pages (documentation in en/fr/de/es):
    a place name that is also an everyday word there ("Most", "Police", "Sale") is left out."""
    parts = sorted(corpus.glob("part-*.jsonl"))
    if not parts:  # without it everyday words ("Most", "Police") would enter the gazetteer unnoticed
        raise SystemExit(f"no benchmark corpus in {corpus}: build it with .venv/bin/python bench/corpus.py --scale 1")
    counts: Counter[str] = Counter()
    for part in parts:
        for line in part.read_text(encoding="utf-8").splitlines():
            counts.update(w.lower() for w in _WORD.findall(json.loads(line)["text"]))
    return {w for w, n in counts.items() if n >= min_count}


def build_place_gazetteer(out_dir: Path, corpus: Path) -> int:
    """Lower-cased place names of every Faker address provider's real-name lists, in Latin or Greek script,
    minus stop words, known first names / surnames (one word) and everyday words of the corpus; gzip."""
    from spacy.lang.de.stop_words import STOP_WORDS as DE
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.es.stop_words import STOP_WORDS as ES
    from spacy.lang.fr.stop_words import STOP_WORDS as FR
    from spacy.lang.it.stop_words import STOP_WORDS as IT

    names: set[str] = set()
    package = importlib.import_module("faker.providers.address")
    for module_info in pkgutil.iter_modules(package.__path__):
        provider = getattr(importlib.import_module(f"{package.__name__}.{module_info.name}"), "Provider", None)
        for attr in _PLACE_ATTRS:
            values = getattr(provider, attr, ())
            names.update(v for v in (values.keys() if isinstance(values, dict) else values) if isinstance(v, str))
    stop = {w.lower() for w in EN | FR | DE | ES | IT}
    with gzip.open(out_dir / "first_names.txt.gz", "rt", encoding="utf-8") as fh:
        firsts = set(fh.read().split())
    with gzip.open(out_dir / "surnames.txt.gz", "rt", encoding="utf-8") as fh:
        lasts = set(fh.read().split())
    common = _common_words(corpus)
    kept = set()
    for name in names:
        low = " ".join(name.lower().split())
        if not _LATIN_OR_GREEK.fullmatch(low) or len(low) < 4:
            continue
        if " " not in low and (low in stop or low in firsts or low in lasts or low in common):
            continue
        kept.add(low)
    with gzip.open(out_dir / "places.txt.gz", "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("\n".join(sorted(kept)) + "\n")
    return len(kept)


_LATIN_OR_GREEK = re.compile(r"[a-zà-ɏḀ-ỿͰ-Ͽἀ-῿' .’()-]+")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", type=int, default=5, help="print N documents of refill_tune")
    ap.add_argument("--build-places", action="store_true", help="write src/dataharbor/models/pii/places.txt.gz")
    args = ap.parse_args()
    if args.build_places:
        root = Path(__file__).resolve().parents[2]
        count = build_place_gazetteer(
            root / "src" / "dataharbor" / "models" / "pii", root / "bench" / "work" / "corpus-1x"
        )
        print("place names:", count)
    for doc in generate_refill("refill_tune")[: args.show]:
        print(repr(doc.text), [(doc.text[s:e], t) for s, e, t, _ in doc.spans])
