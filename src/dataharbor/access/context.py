"""Who is acting, in which transaction, under which request id: the one door service functions go through."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dataharbor.access.auditlog import AuditLog
from dataharbor.access.clock import utcnow
from dataharbor.access.errors import Forbidden, Unauthorized
from dataharbor.access.policy import SCOPE_RULE, Decision, authorize
from dataharbor.access.subjects import Actor, Resource


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass
class AccessContext:
    session: Session
    actor: Actor | None  # None: anonymous
    log: AuditLog
    request_id: str = field(default_factory=new_request_id)
    clock: datetime | None = None  # a fixed "now" (tests); None: the real time

    def now(self) -> datetime:
        return self.clock or utcnow()

    def decide(self, action: str, resource: Resource, purpose: str | None = None) -> Decision:
        return authorize(self.actor, action, resource, purpose, now=self.now())

    def require(self, action: str, resource: Resource, purpose: str | None = None) -> Decision:
        """Authorize or raise Forbidden. A denial is logged and committed at once, so it survives the failing
        command: call this before the unit of work writes anything else."""
        decision = self.decide(action, resource, purpose)
        if not decision.allowed:
            self.audit(action, resource, decision, purpose)
            self.session.commit()
            if decision.rule == SCOPE_RULE and self.actor is not None and self.actor.id is not None:
                # a token used beyond its scope is refused like any other bad token: the caller learns
                # nothing about which part failed; the log above keeps the precise reason
                raise Unauthorized()
            raise Forbidden(action, str(resource), decision.reason)
        return decision

    def audit(
        self,
        action: str,
        resource: Resource | str,
        decision: Decision,
        purpose: str | None = None,
        /,
        **details: Any,
    ) -> None:
        """Append an event for this actor and request (in the session's transaction)."""
        a = self.actor
        self.log.append(
            self.session,
            principal=a.name if a else "anonymous",
            principal_id=a.id if a else None,
            action=action,
            resource=str(resource),
            dataset_id=resource.dataset_id if isinstance(resource, Resource) else None,
            allowed=decision.allowed,
            reason=decision.reason,
            purpose=purpose,
            request_id=self.request_id,
            details=details,
        )
