"""Bank account numbers: a bare run of 6-17 digits says nothing by itself (orders, tracking, invoices
look the same), so it is only taken right after an account word ("account no.", "Kontonummer",
"numéro de compte"). IBANs have their own, checksummed recogniser."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dataharbor.pipeline.stages._pii_prescan import Prescan, prescan
from dataharbor.pipeline.stages._pii_types import BANK_ACCOUNT, Entity

# the account word, optional "number"/"no."/"n°"/"#"/":"/"is", then the digits (single spaces or dashes allowed)
_ACCOUNT = re.compile(
    r"(?<!\w)(?i:(?:bank\s+)?account|acct\.?|a/c|compte(?:\s+bancaire)?|num[ée]ro\s+de\s+compte|"
    r"konto(?:nummer|-?nr\.?)?|bankkonto|kto\.?(?:-?nr\.?)?)"
    r"(?i:\s*(?:number|num[ée]ro|no\.?|nr\.?|n[°o]\.?|#|:|is|est|ist|lautet))*\s*"
    r"(\d(?:[ -]?\d){5,16})(?![\w-]|[.,]\d)"
)


_WORDS = ("account", "acct", "a/c", "compte", "konto", "kto")  # one is in every cue above


def find_bank_accounts(text: str, scan: Prescan | None = None) -> Iterator[Entity]:
    scan = prescan(text, scan)
    if scan.group_digits < 6 or not scan.has_word(_WORDS):
        return
    for m in _ACCOUNT.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        if len(set(digits)) >= 3:
            yield Entity(m.start(1), m.end(1), BANK_ACCOUNT, 0.8, "account_context")
