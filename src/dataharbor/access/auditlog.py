"""The tamper-evident audit log: append-only events, each hash-chained to the one before.

`hash = SHA-256(canonical JSON of the row's fields + prev_hash)`. Appends lock the single `audit_head` row
first (an UPDATE: a row lock on PostgreSQL, the database write lock on SQLite), so concurrent writers extend
the chain one at a time inside their own transaction. After each commit the head (seq + hash) is also written
to a checkpoint file outside the database, so that deleting the last rows — which leaves a valid, shorter
chain — is still detected. See docs/security.md for what this does and does not protect against.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dataharbor.access.clock import as_utc, utcnow
from dataharbor.catalog.models import AuditEvent, AuditHead

GENESIS = "0" * 64
CHECKPOINT_NAME = "auditlog.checkpoint"
_HASHED = (
    "seq",
    "time",
    "principal",
    "principal_id",
    "action",
    "resource",
    "dataset_id",
    "purpose",
    "allowed",
    "reason",
    "request_id",
    "details",
    "prev_hash",
)


def _time_text(dt: datetime) -> str:
    return as_utc(dt).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(ev: AuditEvent) -> str:
    """The hash an event must carry: over its fields as stored (so it can be recomputed from the table)."""
    fields: dict[str, Any] = {name: getattr(ev, name) for name in _HASHED}
    fields["time"] = _time_text(ev.time)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    seq: int
    hash: str


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    rows: int
    head_seq: int
    head_hash: str
    bad_seq: int | None = None  # the first row that is wrong or missing
    problem: str = ""
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "bad_seq": self.bad_seq,
            "problem": self.problem,
            "warnings": list(self.warnings),
        }


class AuditLog:
    """Appends and verifies events; `checkpoint` is the file that keeps the head apart from the table."""

    def __init__(self, checkpoint: Path | None) -> None:
        self.checkpoint = checkpoint

    @classmethod
    def in_home(cls, home: Path) -> AuditLog:
        return cls(home / CHECKPOINT_NAME)

    def append(
        self,
        s: Session,
        *,
        principal: str,
        principal_id: int | None,
        action: str,
        resource: str,
        allowed: bool,
        reason: str = "",
        purpose: str | None = None,
        dataset_id: int | None = None,
        request_id: str = "",
        details: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Append one event in the caller's transaction (committed with it)."""
        # lock the head first: on SQLite this write starts the transaction with the write lock held, so the
        # head read next is the latest; on PostgreSQL it takes the row lock until commit
        locked = s.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
        if getattr(locked, "rowcount", 1) == 0:  # a catalog created without the migration's seed row
            s.add(AuditHead(id=1, seq=0, hash=GENESIS))
            s.flush()
        head = s.execute(select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True))
        head_row = head.scalar_one()
        ev = AuditEvent(
            seq=head_row.seq + 1,
            time=utcnow(),
            principal=principal,
            principal_id=principal_id,
            action=action,
            resource=resource,
            dataset_id=dataset_id,
            purpose=purpose or "",
            allowed=allowed,
            reason=reason,
            request_id=request_id,
            details=json.loads(json.dumps(details or {}, default=str)),  # exactly what the JSON column returns
            prev_hash=head_row.hash,
        )
        ev.hash = row_hash(ev)
        s.add(ev)
        head_row.seq, head_row.hash = ev.seq, ev.hash
        s.flush()
        self._checkpoint_after_commit(s, Checkpoint(ev.seq, ev.hash))
        return ev

    # --- the checkpoint outside the database ---

    def _checkpoint_after_commit(self, s: Session, cp: Checkpoint) -> None:
        if self.checkpoint is None:
            return
        from sqlalchemy import event

        pending = s.info.get("audit_checkpoint")
        s.info["audit_checkpoint"] = cp
        if pending is not None:
            return  # the hooks are in place for this transaction

        def committed(session: Session) -> None:
            done = session.info.pop("audit_checkpoint", None)
            if done is not None:
                self.write_checkpoint(done)

        def rolled_back(session: Session, *_: object) -> None:  # after_soft_rollback also passes the transaction
            session.info.pop("audit_checkpoint", None)

        event.listen(s, "after_commit", committed, once=True)
        event.listen(s, "after_soft_rollback", rolled_back, once=True)

    def write_checkpoint(self, cp: Checkpoint) -> None:
        """Record the head, never moving it backwards (concurrent writers may finish out of order)."""
        assert self.checkpoint is not None
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        with open(self.checkpoint.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.read_checkpoint()
            if current is not None and current.seq >= cp.seq:
                return
            tmp = self.checkpoint.with_suffix(".tmp")
            tmp.write_text(json.dumps({"seq": cp.seq, "hash": cp.hash, "written_at": _time_text(utcnow())}))
            os.replace(tmp, self.checkpoint)

    def read_checkpoint(self) -> Checkpoint | None:
        if self.checkpoint is None or not self.checkpoint.exists():
            return None
        data = json.loads(self.checkpoint.read_text())
        return Checkpoint(int(data["seq"]), str(data["hash"]))

    # --- reading and verifying ---

    def verify(self, s: Session) -> Verification:
        """Walk the chain in order; name the first edited, deleted, reordered or missing (truncated) row."""
        prev, last, rows = GENESIS, 0, 0

        def bad(seq: int, problem: str) -> Verification:
            return Verification(False, rows, last, prev, bad_seq=seq, problem=problem)

        # streamed (bounded memory: the log grows without limit) and closed even when we stop early
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000))
        try:
            for ev in events:
                if ev.seq != last + 1:
                    return bad(last + 1, f"row {last + 1} is missing (deleted)")
                if ev.prev_hash != prev:
                    return bad(ev.seq, f"row {ev.seq} does not follow row {last} (rows reordered, replaced or deleted)")
                if row_hash(ev) != ev.hash:
                    return bad(ev.seq, f"row {ev.seq} was edited (its content does not match its hash)")
                prev, last, rows = ev.hash, ev.seq, rows + 1
        finally:
            events.close()
        head = s.get(AuditHead, 1)
        if head is not None and head.seq > last:
            return bad(last + 1, f"rows {last + 1}..{head.seq} are missing (truncated)")
        cp = self.read_checkpoint()
        if cp is None:
            warning = "no checkpoint file: deleting the last rows and the head together would not be detected"
            return Verification(True, rows, last, prev, warnings=(warning,) if self.checkpoint and rows else ())
        if cp.seq > last:
            return bad(last + 1, f"rows {last + 1}..{cp.seq} are missing (truncated; the checkpoint has {cp.seq})")
        at_cp = s.get(AuditEvent, cp.seq) if cp.seq else None
        if at_cp is not None and at_cp.hash != cp.hash:
            return bad(cp.seq, f"row {cp.seq} differs from the checkpoint (the log was rewritten)")
        return Verification(True, rows, last, prev)
