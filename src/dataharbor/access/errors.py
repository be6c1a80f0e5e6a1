"""Errors of access control: one for "who are you?" and one for "you may not"."""

from __future__ import annotations

from dataharbor.errors import HarborError

# The one message for every authentication failure: it never says whether the token was unknown,
# malformed, expired or revoked, so a caller cannot probe which part was wrong.
UNAUTHORIZED = "unauthorized: the token was not accepted"


class Unauthorized(HarborError):
    exit_code = 6

    def __init__(self) -> None:
        super().__init__(UNAUTHORIZED)


class Forbidden(HarborError):
    """An authenticated (or anonymous) caller asked for something the policy denies; the reason is safe to show."""

    exit_code = 7

    def __init__(self, action: str, resource: str, reason: str) -> None:
        super().__init__(
            f"forbidden: {action} on {resource}: {reason}", action=action, resource=resource, reason=reason
        )
        self.reason = reason
