"""The plain values the policy decides on: who (Actor), on what (Resource), holding which grants (GrantView).

No I/O here: `policy.authorize` is a pure function of these, so the authorization matrix is tested without a
database. `resources.py` builds them from the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    CURATOR = "curator"
    PARTNER_ADMIN = "partner_admin"
    PARTNER_MEMBER = "partner_member"
    TRAINER = "trainer"
    AUDITOR = "auditor"


class Scope(StrEnum):
    """What a token may do, whatever its principal's roles: read < write < admin."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return ["read", "write", "admin"].index(self.value)


@dataclass(frozen=True, slots=True)
class Actor:
    """An authenticated principal as the policy sees it, with the scope of the credential it used."""

    id: int | None
    name: str
    roles: frozenset[str]
    partner_id: int | None = None  # None: a platform principal
    team: str = ""
    scope: Scope = Scope.ADMIN
    kind: str = "user"

    def has(self, role: Role) -> bool:
        return role.value in self.roles


# The operator who can open the catalog on this machine already holds every file: the CLI acts as this
# built-in platform admin when no token is given (tokens matter for the API).
LOCAL_ADMIN = Actor(id=None, name="local-admin", roles=frozenset({Role.ADMIN.value}), kind="service")


@dataclass(frozen=True, slots=True)
class GrantView:
    id: int
    dataset_id: int
    version: int | None  # None: every version of the dataset
    principal_id: int | None
    team: str
    purpose: str
    not_before: datetime | None
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Resource:
    """What an action is about. `kind`: dataset | partner | principal | platform."""

    kind: str
    label: str = ""
    partner_id: int | None = None  # the owning partner (datasets) or the partner itself
    dataset_id: int | None = None
    tier: str | None = None
    purposes: tuple[str, ...] = ()  # the dataset's allowed purposes
    version: int | None = None
    version_state: str | None = None
    principal_id: int | None = None  # a principal resource (tokens are managed on their principal)
    grants: tuple[GrantView, ...] = field(default=())  # grants that could apply to the actor

    def __str__(self) -> str:
        return f"{self.kind}:{self.label}" if self.label else self.kind


PLATFORM = Resource(kind="platform")
