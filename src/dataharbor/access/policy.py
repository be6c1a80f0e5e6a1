"""The one policy decision point: `authorize(principal, action, resource, purpose) -> Decision`.

Deny by default. Rules are small registered functions (as in datasette's permission hooks), each giving an
opinion on a query: allow, deny (a veto) or abstain (optionally saying why it could not allow). Any veto
denies; otherwise any allow allows; otherwise the request is denied with the most useful abstain reason.
The built-in rules below are registered exactly as a third-party rule would be, with `@rule(...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from dataharbor.access.clock import as_utc, utcnow
from dataharbor.access.subjects import Actor, GrantView, Resource, Role, Scope
from dataharbor.domain.enums import Purpose, Tier, VersionState


class Action(StrEnum):
    DATASET_CREATE = "dataset.create"
    DATASET_READ_METADATA = "dataset.read_metadata"
    DATA_UPLOAD = "data.upload"
    DATA_READ = "data.read"  # the content of records (kept or dropped)
    DATA_WITHDRAW = "data.withdraw"  # withdraw a contribution or a whole dataset (crypto-shredding, receipt)
    VERSION_APPROVE = "version.approve"  # review: approve or reject an audited version
    VERSION_AUDIT = "version.audit"
    REPORT_READ = "report.read"  # a version's audit report (figures and record ids, never private content)
    GRANT_CREATE = "grant.create"
    GRANT_REVOKE = "grant.revoke"
    GRANT_READ = "grant.read"
    REQUEST_CREATE = "request.create"
    REQUEST_DECIDE = "request.decide"
    REQUEST_READ = "request.read"
    AUDITLOG_READ = "auditlog.read"
    USAGE_READ = "usage.read"
    PRINCIPAL_MANAGE = "principal.manage"
    PRINCIPAL_READ = "principal.read"
    TOKEN_MANAGE = "token.manage"
    KEYS_MANAGE = "keys.manage"  # the encryption keys' status and master key rotation (admins only)


# The least token scope each action needs (a read token cannot upload, grant or mint tokens).
REQUIRED_SCOPE: dict[Action, Scope] = {
    Action.DATASET_READ_METADATA: Scope.READ,
    Action.DATA_READ: Scope.READ,
    Action.GRANT_READ: Scope.READ,
    Action.REQUEST_READ: Scope.READ,
    Action.AUDITLOG_READ: Scope.READ,
    Action.USAGE_READ: Scope.READ,
    Action.PRINCIPAL_READ: Scope.READ,
    Action.DATASET_CREATE: Scope.WRITE,
    Action.DATA_UPLOAD: Scope.WRITE,
    Action.DATA_WITHDRAW: Scope.WRITE,
    Action.VERSION_APPROVE: Scope.WRITE,
    Action.VERSION_AUDIT: Scope.WRITE,
    Action.REPORT_READ: Scope.READ,
    Action.GRANT_CREATE: Scope.WRITE,
    Action.GRANT_REVOKE: Scope.WRITE,
    Action.REQUEST_CREATE: Scope.WRITE,
    Action.REQUEST_DECIDE: Scope.WRITE,
    Action.PRINCIPAL_MANAGE: Scope.ADMIN,
    Action.TOKEN_MANAGE: Scope.ADMIN,
    Action.KEYS_MANAGE: Scope.ADMIN,
}

# Version states whose content exists and may be read by its owner, curators and admins.
READABLE_STATES = frozenset(
    {VersionState.PROCESSED, VersionState.AUDITED, VersionState.APPROVED, VersionState.REJECTED}
)
# Version states released to everyone else (anonymous, trainers, grant holders): the review gate. Only a version
# a curator approved after its audit is served for training; processed, audited and rejected ones are not.
RELEASED_STATES = frozenset({VersionState.APPROVED})


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str
    rule: str = ""  # the rule that decided ("" when nothing allowed: the default denial)


@dataclass(frozen=True, slots=True)
class Query:
    actor: Actor | None  # None: anonymous
    action: str
    resource: Resource
    purpose: str | None
    now: datetime


@dataclass(frozen=True, slots=True)
class Opinion:
    effect: Literal["allow", "deny", "abstain"]
    reason: str = ""


def allow(reason: str) -> Opinion:
    return Opinion("allow", reason)


def deny(reason: str) -> Opinion:
    return Opinion("deny", reason)


def abstain(reason: str = "") -> Opinion:
    return Opinion("abstain", reason)


Rule = Callable[[Query], Opinion | None]
_RULES: list[tuple[frozenset[str] | None, Rule]] = []


def rule(*actions: str) -> Callable[[Rule], Rule]:
    """Register a rule for these actions (none named: every action)."""

    def register(fn: Rule) -> Rule:
        _RULES.append((frozenset(actions) if actions else None, fn))
        return fn

    return register


def authorize(
    principal: Actor | None,
    action: str,
    resource: Resource,
    purpose: str | None = None,
    *,
    now: datetime | None = None,
) -> Decision:
    q = Query(principal, action, resource, purpose, as_utc(now) if now else utcnow())
    allowed: tuple[str, Opinion] | None = None
    explanations: list[str] = []
    for actions, fn in _RULES:
        if actions is not None and action not in actions:
            continue
        op = fn(q)
        if op is None:
            continue
        if op.effect == "deny":
            return Decision(False, op.reason, fn.__name__)
        if op.effect == "allow" and allowed is None:
            allowed = (fn.__name__, op)
        elif op.effect == "abstain" and op.reason:
            explanations.append(op.reason)
    if allowed is not None:
        return Decision(True, allowed[1].reason, allowed[0])
    who = q.actor.name if q.actor else "anonymous"
    return Decision(False, explanations[0] if explanations else f"no rule allows {action} for {who}")


def released(state: str | None) -> bool:
    return state in RELEASED_STATES


def _owns(q: Query, *roles: Role) -> bool:
    a = q.actor
    return (
        a is not None
        and a.partner_id is not None
        and a.partner_id == q.resource.partner_id
        and any(a.has(r) for r in roles)
    )


# --- vetoes ---------------------------------------------------------------------------------------------


SCOPE_RULE = "token_scope_limits_actions"


@rule()
def known_action(q: Query) -> Opinion | None:
    if q.action not in REQUIRED_SCOPE:
        return deny(f"unknown action '{q.action}'")
    return None


@rule()
def token_scope_limits_actions(q: Query) -> Opinion | None:
    needed = REQUIRED_SCOPE.get(Action(q.action)) if q.action in REQUIRED_SCOPE else None
    if needed is not None and q.actor is not None and q.actor.scope.rank < needed.rank:
        return deny(f"the token's scope '{q.actor.scope}' does not allow {q.action} (needs '{needed}')")
    return None


@rule(Action.DATA_READ)
def auditors_never_read_content(q: Query) -> Opinion | None:
    if q.actor is not None and q.actor.has(Role.AUDITOR):
        return deny("auditors read metadata, reports and the audit log, never content")
    return None


@rule(Action.DATA_READ)
def only_readable_versions(q: Query) -> Opinion | None:
    if q.resource.version is None:
        return deny("content is read from a version")
    if q.resource.version_state not in READABLE_STATES:
        return deny(f"version v{q.resource.version} is {q.resource.version_state}: its content cannot be read")
    return None


# --- the roles table --------------------------------------------------------------------------------------


@rule()
def admins_may_do_everything(q: Query) -> Opinion | None:
    # platform operators hold the keys anyway; their reads of private content are logged like any other
    if q.actor is not None and q.actor.has(Role.ADMIN):
        return allow("platform admin")
    return None


@rule(Action.DATASET_READ_METADATA)
def metadata_is_visible(q: Query) -> Opinion | None:
    if q.resource.tier == Tier.OPEN:
        return allow("open dataset")
    if q.actor is not None:
        return allow("authenticated principals see dataset metadata (to request access)")
    return abstain("a private dataset's metadata is visible to authenticated principals only")


@rule(Action.DATA_READ)
def open_released_data_is_public(q: Query) -> Opinion | None:
    if q.resource.tier != Tier.OPEN:
        return None
    if released(q.resource.version_state):
        return allow("open data")
    return abstain(f"version v{q.resource.version} is {q.resource.version_state}, not released")


@rule(Action.DATA_READ, Action.DATA_UPLOAD, Action.DATASET_READ_METADATA)
def partners_use_their_own_datasets(q: Query) -> Opinion | None:
    if _owns(q, Role.PARTNER_ADMIN, Role.PARTNER_MEMBER):
        return allow("the principal's own organisation's dataset")
    return None


@rule(
    Action.DATASET_CREATE,
    Action.DATA_WITHDRAW,
    Action.GRANT_CREATE,
    Action.GRANT_REVOKE,
    Action.GRANT_READ,
    Action.REQUEST_DECIDE,
    Action.REQUEST_READ,
    Action.USAGE_READ,
)
def partner_admins_govern_their_data(q: Query) -> Opinion | None:
    if _owns(q, Role.PARTNER_ADMIN):
        return allow("partner admin of the owning partner")
    return None


@rule(Action.VERSION_APPROVE, Action.VERSION_AUDIT, Action.DATA_READ)
def curators_review(q: Query) -> Opinion | None:
    if q.actor is None or not q.actor.has(Role.CURATOR):
        return None
    if q.action in (Action.VERSION_APPROVE, Action.VERSION_AUDIT):
        return allow("curator")
    if q.resource.tier == Tier.OPEN:
        return allow("curator reviewing open data")
    return None  # private content needs a grant, as for anyone else


@rule(Action.REPORT_READ)
def audit_reports_are_shown(q: Query) -> Opinion | None:
    if q.resource.tier == Tier.OPEN:
        return allow("an open dataset's audit report is public")
    if _owns(q, Role.PARTNER_ADMIN, Role.PARTNER_MEMBER):
        return allow("the principal's own organisation's audit report")
    if q.actor is not None and (q.actor.has(Role.CURATOR) or q.actor.has(Role.AUDITOR)):
        return allow("curators and auditors read audit reports")
    return abstain("a private dataset's audit report is shown to its partner, curators and auditors")


@rule(Action.REQUEST_CREATE)
def trainers_request_access(q: Query) -> Opinion | None:
    if q.actor is not None and q.actor.has(Role.TRAINER):
        return allow("trainer")
    return abstain("only trainers request access")


@rule(
    Action.AUDITLOG_READ,
    Action.USAGE_READ,
    Action.GRANT_READ,
    Action.REQUEST_READ,
    Action.PRINCIPAL_READ,
    Action.DATASET_READ_METADATA,
)
def auditors_read_records_of_use(q: Query) -> Opinion | None:
    if q.actor is not None and q.actor.has(Role.AUDITOR):
        return allow("auditor")
    return None


@rule(Action.TOKEN_MANAGE)
def principals_manage_their_own_tokens(q: Query) -> Opinion | None:
    if q.actor is not None and q.actor.id is not None and q.resource.principal_id == q.actor.id:
        return allow("the principal's own tokens")
    return None


# --- private content: purpose-bound grants ----------------------------------------------------------------


@rule(Action.DATA_READ)
def live_grant_for_the_purpose(q: Query) -> Opinion | None:
    r = q.resource
    if r.tier != Tier.PRIVATE:
        return None
    if q.actor is None:
        return abstain("private data is never served to anonymous callers")
    if not q.purpose:
        return abstain("reading private data needs a declared purpose (--purpose)")
    if q.purpose not in {p.value for p in Purpose}:
        return abstain(f"purpose '{q.purpose}' is not one of {', '.join(p.value for p in Purpose)}")
    if q.purpose not in r.purposes:
        return abstain(f"the dataset does not allow the purpose '{q.purpose}' (allowed: {', '.join(r.purposes)})")
    if not released(r.version_state):
        return abstain(f"version v{r.version} is {r.version_state}, not released")
    mine = [g for g in r.grants if _names(g, q.actor) and g.version in (None, r.version)]
    if not mine:
        return abstain("no grant for this principal on this dataset")
    problems: list[str] = []
    for g in mine:
        problem = _grant_problem(g, q)
        if problem is None:
            return allow(f"live grant #{g.id} for {g.purpose} until {as_utc(g.expires_at).isoformat()}")
        problems.append(problem)
    return abstain("; ".join(sorted(set(problems))))


def _names(g: GrantView, actor: Actor) -> bool:
    return (g.principal_id is not None and g.principal_id == actor.id) or (bool(g.team) and g.team == actor.team)


def _grant_problem(g: GrantView, q: Query) -> str | None:
    if g.revoked_at is not None:
        return f"grant #{g.id} was revoked"
    if g.purpose != q.purpose:
        return f"grant #{g.id} is for {g.purpose}, not {q.purpose}"
    if g.not_before is not None and q.now < as_utc(g.not_before):
        return f"grant #{g.id} is not valid before {as_utc(g.not_before).isoformat()}"
    if q.now >= as_utc(g.expires_at):
        return f"grant #{g.id} expired at {as_utc(g.expires_at).isoformat()}"
    return None
