"""The entity record shared by every PII recogniser, and the typed placeholders."""

from __future__ import annotations

from dataclasses import dataclass

EMAIL = "EMAIL"
PHONE = "PHONE"
IBAN = "IBAN"
CREDIT_CARD = "CREDIT_CARD"
IP_ADDRESS = "IP_ADDRESS"
NATIONAL_ID = "NATIONAL_ID"
PERSON = "PERSON"
LOCATION = "LOCATION"
ADDRESS = "ADDRESS"
URL = "URL"
BANK_ACCOUNT = "BANK_ACCOUNT"
CRYPTO = "CRYPTO"

ALL_TYPES: tuple[str, ...] = (
    EMAIL,
    PHONE,
    IBAN,
    CREDIT_CARD,
    IP_ADDRESS,
    NATIONAL_ID,
    PERSON,
    LOCATION,
    ADDRESS,
    URL,
    BANK_ACCOUNT,
    CRYPTO,
)
# URLs are mostly public sites, not personal data: opt-in only.
DEFAULT_TYPES: tuple[str, ...] = tuple(t for t in ALL_TYPES if t != URL)

# When two detections overlap, the lower rank wins: validated structured values first,
# then addresses (which contain place names), then free-text guesses.
PRIORITY: dict[str, int] = {
    EMAIL: 0,
    IBAN: 0,
    CRYPTO: 0,
    CREDIT_CARD: 0,
    IP_ADDRESS: 1,
    URL: 1,
    NATIONAL_ID: 2,
    BANK_ACCOUNT: 2,
    PHONE: 3,
    ADDRESS: 4,
    PERSON: 5,
    LOCATION: 6,
}


@dataclass(frozen=True, slots=True)
class Entity:
    """One detected span of the ORIGINAL text. Deliberately holds no copy of the value."""

    start: int
    end: int
    type: str
    score: float
    # which recogniser found it (e.g. "luhn", "ner"): for debugging and the audit
    source: str

    def to_json(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "type": self.type, "score": round(self.score, 3)}


def placeholder(entity_type: str) -> str:
    return f"<{entity_type}>"
