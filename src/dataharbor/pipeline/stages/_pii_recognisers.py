"""The cheap (regex + checksum + rules) recognisers, run per record before NER."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from dataharbor.pipeline.stages._pii_address import find_addresses, find_block_names
from dataharbor.pipeline.stages._pii_bank import find_bank_accounts
from dataharbor.pipeline.stages._pii_crypto import find_crypto
from dataharbor.pipeline.stages._pii_gazetteer import find_gazetteer_names
from dataharbor.pipeline.stages._pii_name_cues import find_cue_names
from dataharbor.pipeline.stages._pii_names import find_names
from dataharbor.pipeline.stages._pii_patterns import (
    find_cards,
    find_emails,
    find_ibans,
    find_ips,
    find_national_ids,
    find_personal_urls,
    find_urls,
)
from dataharbor.pipeline.stages._pii_phone import REGION_OF_LANGUAGE, find_phones
from dataharbor.pipeline.stages._pii_places import (
    find_arrival_places,
    find_gazetteer_places,
    find_lowercase_places,
    find_places,
    find_postal_blocks,
)
from dataharbor.pipeline.stages._pii_prescan import Prescan
from dataharbor.pipeline.stages._pii_types import (
    ADDRESS,
    BANK_ACCOUNT,
    CREDIT_CARD,
    CRYPTO,
    EMAIL,
    IBAN,
    IP_ADDRESS,
    LOCATION,
    NATIONAL_ID,
    PERSON,
    PHONE,
    URL,
    Entity,
)

Finder = Callable[[str, Prescan], Iterator[Entity]]
# several finders per type: structured identifiers, then rules, then gazetteers and cues
_FINDERS: list[tuple[str, Finder]] = [
    (EMAIL, find_emails),
    (URL, find_urls),
    (IP_ADDRESS, find_ips),
    (CREDIT_CARD, find_cards),
    (IBAN, find_ibans),
    (CRYPTO, find_crypto),
    (BANK_ACCOUNT, find_bank_accounts),
    (NATIONAL_ID, find_national_ids),
    (ADDRESS, find_addresses),
    (ADDRESS, find_postal_blocks),
    (PERSON, find_names),
    (PERSON, find_gazetteer_names),
    (PERSON, find_block_names),
    (PERSON, find_cue_names),
    (LOCATION, find_places),
    (LOCATION, find_arrival_places),
    (LOCATION, find_gazetteer_places),
    (LOCATION, find_lowercase_places),
]


def find_cheap(text: str, types: frozenset[str], lang: str | None, *, personal_urls: bool = True) -> list[Entity]:
    """All rule-based candidates of the enabled `types` (unfiltered by score); `personal_urls`: also the URLs
    a person gives as their own when `URL` itself is not enabled."""
    found: list[Entity] = []
    scan = Prescan(text)  # shared facts that let each finder skip what the text cannot hold
    for kind, finder in _FINDERS:
        if kind in types:
            found.extend(finder(text, scan))
    if personal_urls and URL not in types:
        found.extend(find_personal_urls(text, scan))
    if PHONE in types:
        found.extend(find_phones(text, REGION_OF_LANGUAGE.get(lang or "en", "US"), scan))
    return found
