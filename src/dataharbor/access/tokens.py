"""API tokens: `dh_<id>_<secret>`, shown once, stored as SHA-256 of the secret, scoped, expiring, revocable."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataharbor.access.auditlog import AuditLog
from dataharbor.access.clock import as_utc, utcnow
from dataharbor.access.context import AccessContext
from dataharbor.access.errors import Unauthorized
from dataharbor.access.policy import Action
from dataharbor.access.principals import actor_of, get_principal
from dataharbor.access.resources import principal_resource
from dataharbor.access.subjects import Actor, Role, Scope
from dataharbor.catalog.models import ApiToken, Principal
from dataharbor.errors import InvalidInput, NotFound

PREFIX = "dh_"
_FORMAT = re.compile(r"^dh_(\d{1,18})_([A-Za-z0-9_-]{43})$")  # token_urlsafe(32) is 43 characters
_DUMMY = hashlib.sha256(b"no such token").hexdigest()


def _digest(secret: str) -> str:
    # the secret has 256 bits of entropy: a fast hash is enough (no password stretching needed)
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    acc: AccessContext,
    *,
    principal: str,
    scope: str = "read",
    expires_at: datetime | None = None,
    days: int = 90,
    name: str = "",
) -> tuple[ApiToken, str]:
    """A new token for `principal`; returns the row and the plaintext, which is never stored nor shown again."""
    s = acc.session
    owner = get_principal(s, principal)
    decision = acc.require(Action.TOKEN_MANAGE, principal_resource(owner))
    try:
        scope_v = Scope(scope)
    except ValueError:
        raise InvalidInput(f"Scope '{scope}' is not valid: expected read, write or admin") from None
    if acc.actor is not None and scope_v.rank > acc.actor.scope.rank:
        raise InvalidInput(f"A token of scope '{acc.actor.scope}' cannot create a token of scope '{scope_v}'")
    now = acc.now()
    expiry = as_utc(expires_at) if expires_at else now + timedelta(days=days)
    if expiry <= now:
        raise InvalidInput("A token's expiry must be in the future")
    if not owner.active:
        raise InvalidInput(f"Principal '{principal}' is not active")
    secret = secrets.token_urlsafe(32)
    tok = ApiToken(
        principal_id=owner.id,
        name=name,
        secret_hash=_digest(secret),
        scope=scope_v.value,
        expires_at=expiry,
        created_by=acc.actor.name if acc.actor else "",
    )
    s.add(tok)
    s.flush()
    acc.audit(
        Action.TOKEN_MANAGE,
        f"token:{tok.id}",
        decision,
        op="create",
        principal=owner.name,
        scope=tok.scope,
        expires_at=expiry.isoformat(),
    )
    return tok, f"{PREFIX}{tok.id}_{secret}"


def revoke_token(acc: AccessContext, token_id: int) -> ApiToken:
    s = acc.session
    tok = s.get(ApiToken, token_id)
    if tok is None:
        raise NotFound(f"Token {token_id} not found", token=token_id)
    owner = s.get(Principal, tok.principal_id)
    assert owner is not None
    decision = acc.require(Action.TOKEN_MANAGE, principal_resource(owner))
    if tok.revoked_at is None:
        tok.revoked_at = acc.now()
        acc.audit(Action.TOKEN_MANAGE, f"token:{tok.id}", decision, op="revoke", principal=owner.name)
    return tok


def list_tokens(acc: AccessContext, *, principal: str | None = None) -> Sequence[tuple[ApiToken, str]]:
    """Tokens (never their secrets) with their principal's name: all for an admin, else the caller's own."""
    s = acc.session
    q = select(ApiToken, Principal.name).join(Principal, Principal.id == ApiToken.principal_id).order_by(ApiToken.id)
    if principal is not None:
        acc.require(Action.TOKEN_MANAGE, principal_resource(get_principal(s, principal)))
        q = q.where(Principal.name == principal)
    elif acc.actor is None or not acc.actor.has(Role.ADMIN):
        if acc.actor is None or acc.actor.id is None:
            return []
        q = q.where(ApiToken.principal_id == acc.actor.id)
    return [(t, n) for t, n in s.execute(q).tuples()]


def token_state(tok: ApiToken, now: datetime | None = None) -> str:
    if tok.revoked_at is not None:
        return "revoked"
    return "expired" if as_utc(tok.expires_at) <= (now or utcnow()) else "live"


def authenticate(
    s: Session, token: str, *, log: AuditLog | None = None, request_id: str = "", now: datetime | None = None
) -> Actor:
    """The principal behind `token`, limited to the token's scope. Every failure raises the same Unauthorized;
    the precise cause goes only to the audit log (when given), for the operators."""
    actor, token_id, cause = _check(s, token, as_utc(now) if now else utcnow())
    if actor is not None:
        return actor
    if log is not None:
        log.append(
            s,
            principal="anonymous",
            principal_id=None,
            action="token.authenticate",
            resource=f"token:{token_id}" if token_id is not None else "token",
            allowed=False,
            reason=cause,
            request_id=request_id,
        )
        s.commit()
    raise Unauthorized()


def _check(s: Session, token: str, now: datetime) -> tuple[Actor | None, int | None, str]:
    m = _FORMAT.match(token.strip())
    if m is None:
        hmac.compare_digest(_DUMMY, _DUMMY)  # the same work as a real comparison
        return None, None, "malformed token"
    token_id, secret = int(m.group(1)), m.group(2)
    tok = s.get(ApiToken, token_id)
    expected = tok.secret_hash if tok is not None else _DUMMY
    matches = hmac.compare_digest(_digest(secret), expected)
    if tok is None or not matches:
        return None, token_id, "unknown token"
    if tok.revoked_at is not None:
        return None, token_id, "revoked token"
    if as_utc(tok.expires_at) <= now:
        return None, token_id, "expired token"
    owner = s.get(Principal, tok.principal_id)
    if owner is None or not owner.active:
        return None, token_id, "inactive principal"
    tok.last_used_at = now
    return actor_of(owner, Scope(tok.scope)), token_id, ""
