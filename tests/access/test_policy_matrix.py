"""The authorization matrix: every action × every role (+ anonymous) × tier × grant state, each case asserted.

The expectations are written out from the roles table in ARCHITECTURE.md, independently of the rules.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dataharbor.access.policy import RELEASED_STATES, Action, authorize
from dataharbor.access.subjects import LOCAL_ADMIN, Actor, GrantView, Resource, Scope

NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)
OWNER, OTHER = 1, 2
TRAINER_ID = 10

ROLES = {
    "anonymous": None,
    "admin": Actor(1, "root", frozenset({"admin"})),
    "curator": Actor(2, "cura", frozenset({"curator"})),
    "partner_admin": Actor(3, "pa", frozenset({"partner_admin"}), partner_id=OWNER),
    "partner_member": Actor(4, "pm", frozenset({"partner_member"}), partner_id=OWNER),
    "other_partner_admin": Actor(5, "opa", frozenset({"partner_admin"}), partner_id=OTHER),
    "trainer": Actor(TRAINER_ID, "tina", frozenset({"trainer"}), team="ml"),
    "auditor": Actor(6, "audrey", frozenset({"auditor"})),
}
GRANT_STATES = ["none", "live", "expired", "not-yet-valid", "wrong-purpose", "purpose-not-allowed", "revoked"]
TIERS = ["open", "private"]


def _grant(state: str, grantee: int) -> tuple[tuple[GrantView, ...], str]:
    """The grants held by `grantee` in `state`, and the purpose the reader declares."""
    if state == "none":
        return (), "training"
    purpose, declared = "training", "training"
    not_before, expires, revoked = None, NOW + timedelta(days=30), None
    if state == "expired":
        expires = NOW - timedelta(seconds=1)
    elif state == "not-yet-valid":
        not_before = NOW + timedelta(days=1)
    elif state == "wrong-purpose":
        purpose = "research"
    elif state == "purpose-not-allowed":
        purpose = declared = "evaluation"  # the dataset allows training and research only
    elif state == "revoked":
        revoked = NOW - timedelta(hours=1)
    g = GrantView(7, 100, None, grantee, "", purpose, not_before, expires, revoked)
    return (g,), declared


def _resource(tier: str, state: str, grantee: int) -> tuple[Resource, str]:
    grants, declared = _grant(state, grantee)
    r = Resource(
        kind="dataset",
        label="acme/corpus@v1",
        partner_id=OWNER,
        dataset_id=100,
        tier=tier,
        purposes=("training", "research"),
        version=1,
        version_state="approved",  # released: the roles table below; other states in test_version_state_gates_*
        grants=grants,
    )
    return r, declared


def expected(role: str, action: Action, tier: str, grant: str) -> bool:
    if role == "admin":
        return True  # platform operators: everything (their reads are logged like any other)
    owner = role in ("partner_admin", "partner_member")
    if role == "anonymous":
        return tier == "open" and action in (Action.DATASET_READ_METADATA, Action.DATA_READ, Action.REPORT_READ)
    if action == Action.REPORT_READ:  # figures and record ids: public for open data, else owner, curator, auditor
        return tier == "open" or role in ("partner_admin", "partner_member", "curator", "auditor")
    if action == Action.DATA_READ:
        if role == "auditor":
            return False  # never content, whatever grant it holds
        if owner or tier == "open":
            return True
        return grant == "live"  # private content: a live grant for the declared, allowed purpose
    allowed_roles: dict[Action, set[str]] = {
        Action.DATASET_READ_METADATA: set(ROLES) - {"anonymous"},
        Action.DATA_UPLOAD: {"partner_admin", "partner_member"},
        Action.DATASET_CREATE: {"partner_admin"},
        Action.DATA_WITHDRAW: {"partner_admin"},
        Action.GRANT_CREATE: {"partner_admin"},
        Action.GRANT_REVOKE: {"partner_admin"},
        Action.REQUEST_DECIDE: {"partner_admin"},
        Action.GRANT_READ: {"partner_admin", "auditor"},
        Action.REQUEST_READ: {"partner_admin", "auditor"},
        Action.USAGE_READ: {"partner_admin", "auditor"},
        Action.VERSION_APPROVE: {"curator"},
        Action.VERSION_AUDIT: {"curator"},
        Action.REQUEST_CREATE: {"trainer"},
        Action.AUDITLOG_READ: {"auditor"},
        Action.PRINCIPAL_READ: {"auditor"},
        Action.PRINCIPAL_MANAGE: set(),
        Action.TOKEN_MANAGE: set(),  # someone else's tokens; own tokens are tested below
        Action.KEYS_MANAGE: set(),
    }
    return role in allowed_roles[action]


CASES = [(role, action, tier, grant) for role in ROLES for action in Action for tier in TIERS for grant in GRANT_STATES]


@pytest.mark.parametrize(("role", "action", "tier", "grant"), CASES)
def test_authorization_matrix(role: str, action: Action, tier: str, grant: str) -> None:
    actor = ROLES[role]
    grantee = actor.id if actor is not None and actor.id is not None else TRAINER_ID
    resource, declared = _resource(tier, grant, grantee)
    decision = authorize(actor, action, resource, declared, now=NOW)
    assert decision.allowed is expected(role, action, tier, grant), decision.reason
    assert decision.reason  # every decision, allowed or denied, says why


def test_the_matrix_covers_both_outcomes_for_every_action() -> None:
    for action in Action:
        outcomes = {expected(r, action, t, g) for r in ROLES for t in TIERS for g in GRANT_STATES}
        assert outcomes == {True, False}, action


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ("none", "no grant"),
        ("expired", "expired"),
        ("not-yet-valid", "not valid before"),
        ("wrong-purpose", "is for research, not training"),
        ("purpose-not-allowed", "does not allow the purpose 'evaluation'"),
        ("revoked", "revoked"),
    ],
)
def test_a_denied_private_read_says_why(state: str, reason: str) -> None:
    resource, declared = _resource("private", state, TRAINER_ID)
    decision = authorize(ROLES["trainer"], Action.DATA_READ, resource, declared, now=NOW)
    assert not decision.allowed and reason in decision.reason


def test_expiry_is_checked_at_read_time() -> None:
    resource, _ = _resource("private", "live", TRAINER_ID)
    expiry = resource.grants[0].expires_at
    trainer = ROLES["trainer"]
    assert authorize(trainer, Action.DATA_READ, resource, "training", now=expiry - timedelta(seconds=1)).allowed
    assert not authorize(trainer, Action.DATA_READ, resource, "training", now=expiry).allowed


def test_private_reads_need_a_declared_purpose() -> None:
    resource, _ = _resource("private", "live", TRAINER_ID)
    decision = authorize(ROLES["trainer"], Action.DATA_READ, resource, None, now=NOW)
    assert not decision.allowed and "purpose" in decision.reason


def test_a_team_grant_serves_the_team_and_only_it() -> None:
    g = GrantView(8, 100, None, None, "ml", "training", None, NOW + timedelta(days=1), None)
    resource = replace(_resource("private", "none", TRAINER_ID)[0], grants=(g,))
    assert authorize(ROLES["trainer"], Action.DATA_READ, resource, "training", now=NOW).allowed
    outsider = Actor(11, "other", frozenset({"trainer"}), team="web")
    assert not authorize(outsider, Action.DATA_READ, resource, "training", now=NOW).allowed


def test_a_version_grant_covers_that_version_only() -> None:
    g = GrantView(9, 100, 1, TRAINER_ID, "", "training", None, NOW + timedelta(days=1), None)
    v1 = replace(_resource("private", "none", TRAINER_ID)[0], grants=(g,))
    assert authorize(ROLES["trainer"], Action.DATA_READ, v1, "training", now=NOW).allowed
    v2 = replace(v1, version=2, label="acme/corpus@v2")
    assert not authorize(ROLES["trainer"], Action.DATA_READ, v2, "training", now=NOW).allowed


@pytest.mark.parametrize("state", ["processing", "processed", "audited", "approved", "rejected", "withdrawn"])
def test_version_state_gates_content(state: str) -> None:
    r = replace(_resource("open", "none", TRAINER_ID)[0], version_state=state)
    released = state in RELEASED_STATES
    assert authorize(None, Action.DATA_READ, r, now=NOW).allowed is released
    assert authorize(ROLES["trainer"], Action.DATA_READ, r, now=NOW).allowed is released
    # the owner also reads rejected versions; nobody reads one still processing or withdrawn
    readable_by_owner = state in ("processed", "audited", "approved", "rejected")
    assert authorize(ROLES["partner_member"], Action.DATA_READ, r, now=NOW).allowed is readable_by_owner
    assert authorize(LOCAL_ADMIN, Action.DATA_READ, r, now=NOW).allowed is readable_by_owner


def test_only_approved_versions_are_released() -> None:
    assert {s.value for s in RELEASED_STATES} == {"approved"}


@pytest.mark.parametrize("state", ["processing", "processed", "audited", "approved", "rejected", "withdrawn"])
def test_version_state_gates_private_content_for_grant_holders(state: str) -> None:
    r = replace(_resource("private", "live", TRAINER_ID)[0], version_state=state)
    decision = authorize(ROLES["trainer"], Action.DATA_READ, r, "training", now=NOW)
    assert decision.allowed is (state == "approved"), decision.reason
    if not decision.allowed:
        assert state in decision.reason  # says which state keeps it back
    # the partner's own members and admins read their unreleased versions; curators need a grant like anyone
    owner_reads = state in ("processed", "audited", "approved", "rejected")
    assert authorize(ROLES["partner_admin"], Action.DATA_READ, r, now=NOW).allowed is owner_reads
    assert not authorize(ROLES["curator"], Action.DATA_READ, r, "training", now=NOW).allowed


@pytest.mark.parametrize(
    ("role", "scope", "action", "allowed"),
    [
        ("partner_admin", Scope.READ, Action.DATA_UPLOAD, False),
        ("partner_admin", Scope.READ, Action.GRANT_CREATE, False),
        ("partner_admin", Scope.WRITE, Action.GRANT_CREATE, True),
        ("partner_admin", Scope.READ, Action.USAGE_READ, True),
        ("trainer", Scope.READ, Action.REQUEST_CREATE, False),
        ("trainer", Scope.WRITE, Action.REQUEST_CREATE, True),
        ("admin", Scope.READ, Action.PRINCIPAL_MANAGE, False),
        ("admin", Scope.WRITE, Action.TOKEN_MANAGE, False),
        ("admin", Scope.ADMIN, Action.TOKEN_MANAGE, True),
    ],
)
def test_token_scope_limits_what_roles_allow(role: str, scope: Scope, action: Action, allowed: bool) -> None:
    actor = ROLES[role]
    assert actor is not None
    scoped = Actor(actor.id, actor.name, actor.roles, actor.partner_id, actor.team, scope)
    resource = _resource("private", "live", TRAINER_ID)[0]
    assert authorize(scoped, action, resource, "training", now=NOW).allowed is allowed


def test_principals_manage_their_own_tokens_only() -> None:
    me = Resource(kind="principal", label="tina", principal_id=TRAINER_ID)
    someone = Resource(kind="principal", label="cura", principal_id=2)
    assert authorize(ROLES["trainer"], Action.TOKEN_MANAGE, me).allowed
    assert not authorize(ROLES["trainer"], Action.TOKEN_MANAGE, someone).allowed
    assert not authorize(None, Action.TOKEN_MANAGE, me).allowed


def test_unknown_actions_are_denied_even_to_admins() -> None:
    decision = authorize(LOCAL_ADMIN, "dataset.delete_everything", Resource(kind="platform"))
    assert not decision.allowed and "unknown action" in decision.reason
