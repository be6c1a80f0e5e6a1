"""Access requests: a trainer asks for a private dataset with a stated purpose; the partner approves or rejects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from dataharbor.access.clock import as_utc
from dataharbor.access.context import AccessContext
from dataharbor.access.grants import add_grant, check_purpose, private_dataset
from dataharbor.access.policy import Action
from dataharbor.access.resources import dataset_resource
from dataharbor.catalog import repo
from dataharbor.catalog.models import AccessRequest, Dataset, Grant, Principal
from dataharbor.errors import Conflict, InvalidInput, NotFound

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def request_access(
    acc: AccessContext, *, dataset: str, purpose: str, justification: str, wanted_until: datetime | None = None
) -> AccessRequest:
    s = acc.session
    ds, number = private_dataset(s, dataset)
    decision = acc.require(Action.REQUEST_CREATE, dataset_resource(s, ds))
    if acc.actor is None or acc.actor.id is None:
        raise InvalidInput("Access is requested by a principal: pass its --token")
    value = check_purpose(ds, purpose)
    if not justification.strip():
        raise InvalidInput("Say why the data is needed (--reason)")
    if wanted_until is not None and as_utc(wanted_until) <= acc.now():
        raise InvalidInput("The wanted expiry must be in the future")
    req = AccessRequest(
        dataset_id=ds.id,
        version_number=number,
        principal_id=acc.actor.id,
        purpose=value,
        justification=justification.strip(),
        wanted_until=as_utc(wanted_until) if wanted_until else None,
    )
    s.add(req)
    s.flush()
    acc.audit(Action.REQUEST_CREATE, dataset_resource(s, ds), decision, value, request=req.id)
    return req


def approve_request(
    acc: AccessContext,
    request_id: int,
    *,
    until: datetime | None = None,
    not_before: datetime | None = None,
    note: str = "",
) -> tuple[AccessRequest, Grant]:
    s = acc.session
    req, ds = _pending(acc, request_id)
    expiry = until or req.wanted_until
    if expiry is None:
        raise InvalidInput("The request names no expiry: approve it with --until DATE")
    requester = s.get(Principal, req.principal_id)
    assert requester is not None
    ref = ds.ref + (f"@v{req.version_number}" if req.version_number is not None else "")
    grant = add_grant(
        acc,
        dataset=ref,
        purpose=req.purpose,
        expires_at=expiry,
        principal=requester.name,
        not_before=not_before,
        note=note or f"access request #{req.id}",
        request_id=req.id,
    )
    _decide(acc, req, ds, APPROVED, note, grant.id)
    return req, grant


def reject_request(acc: AccessContext, request_id: int, *, reason: str) -> AccessRequest:
    if not reason.strip():
        raise InvalidInput("Say why the request is rejected (--reason)")
    req, ds = _pending(acc, request_id)
    _decide(acc, req, ds, REJECTED, reason.strip(), None)
    return req


def list_requests(acc: AccessContext, *, state: str | None = None, dataset: str | None = None) -> list[dict[str, Any]]:
    """Requests the caller made, and those on datasets it governs or audits."""
    s = acc.session
    q = select(AccessRequest).order_by(AccessRequest.id)
    if state:
        q = q.where(AccessRequest.state == state)
    if dataset:
        q = q.where(AccessRequest.dataset_id == repo.get_dataset(s, dataset).id)
    out, readable = [], dict[int, bool]()
    for r in s.scalars(q):
        ds = s.get(Dataset, r.dataset_id)
        assert ds is not None
        if r.dataset_id not in readable:
            readable[r.dataset_id] = acc.decide(Action.REQUEST_READ, dataset_resource(s, ds)).allowed
        mine = acc.actor is not None and r.principal_id == acc.actor.id
        if readable[r.dataset_id] or mine:
            out.append(request_dict(acc, r, ds))
    return out


def request_dict(acc: AccessContext, r: AccessRequest, ds: Dataset) -> dict[str, Any]:
    who = acc.session.get(Principal, r.principal_id)
    return {
        "id": r.id,
        "dataset": ds.ref,
        "version": r.version_number,
        "principal": who.name if who else None,
        "purpose": r.purpose,
        "justification": r.justification,
        "wanted_until": as_utc(r.wanted_until).isoformat() if r.wanted_until else None,
        "state": r.state,
        "decided_by": r.decided_by or None,
        "decided_at": as_utc(r.decided_at).isoformat() if r.decided_at else None,
        "decision_reason": r.decision_reason or None,
        "grant": r.grant_id,
        "created_at": as_utc(r.created_at).isoformat(),
    }


def _pending(acc: AccessContext, request_id: int) -> tuple[AccessRequest, Dataset]:
    s = acc.session
    req = s.get(AccessRequest, request_id)
    if req is None:
        raise NotFound(f"Access request {request_id} not found", request=request_id)
    ds = s.get(Dataset, req.dataset_id)
    assert ds is not None
    acc.require(Action.REQUEST_DECIDE, dataset_resource(s, ds))
    if req.state != PENDING:
        raise Conflict(f"Access request {request_id} is already {req.state}", request=request_id)
    return req, ds


def _decide(acc: AccessContext, req: AccessRequest, ds: Dataset, state: str, reason: str, grant_id: int | None) -> None:
    s = acc.session
    req.state = state
    req.decided_by = acc.actor.name if acc.actor else "anonymous"
    req.decided_at = acc.now()
    req.decision_reason = reason
    req.grant_id = grant_id
    s.flush()
    decision = acc.decide(Action.REQUEST_DECIDE, dataset_resource(s, ds))
    acc.audit(
        Action.REQUEST_DECIDE,
        dataset_resource(s, ds),
        decision,
        req.purpose,
        request=req.id,
        outcome=state,
        reason=reason,
        grant=grant_id,
    )
