"""Claiming queued jobs from a catalog that several workers share, with leases.

A worker claims a job by one conditional UPDATE (the job must still be claimable when the row is
written), so two workers never hold one job. On PostgreSQL the claim also takes a transaction-level
advisory lock: claims are serialised, which keeps the rule "one running job per dataset" (versions of a
dataset are built one after another) exact across machines. On SQLite the UPDATE takes the database's
write lock itself.

A claim comes with a lease (`Job.lease_until`) that the worker renews while it runs the job. A worker
that dies stops renewing; once the lease has expired, another worker claims the job again and re-runs it
from the start (run_job restarts cleanly). Times come from the database's clock on PostgreSQL, so
workers on machines with skewed clocks agree on when a lease has expired.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, or_, select, text, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from dataharbor.catalog.db import Catalog
from dataharbor.catalog.dedup_index import DedupIndex
from dataharbor.catalog.models import Job
from dataharbor.domain.enums import JobState

CLAIM_LOCK = 0x64686A6F62  # "dhjob": the advisory lock key that serialises claims on PostgreSQL
DEFAULT_LEASE_S = 60.0


def worker_name() -> str:
    """Unique per worker process, readable in `dataharbor jobs`: host, pid and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def db_now(s: Session) -> datetime:
    """The catalog's clock on PostgreSQL (one clock for every machine); this machine's UTC clock on SQLite."""
    if s.get_bind().dialect.name == "postgresql":
        now = s.execute(text("SELECT now()")).scalar_one()
        assert isinstance(now, datetime)
        return now
    return datetime.now(UTC)


def _claimable(job: type[Job], now: datetime) -> ColumnElement[bool]:
    expired = and_(job.state == JobState.RUNNING.value, job.lease_until.is_not(None), job.lease_until < now)
    return or_(job.state == JobState.QUEUED.value, expired)


def claim_next(catalog: Catalog, worker: str, lease_s: float = DEFAULT_LEASE_S) -> int | None:
    """Claim the oldest claimable job whose dataset has no other live running job; its id, or None."""
    with catalog.session() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CLAIM_LOCK})
        now = db_now(s)
        cand, other = aliased(Job), aliased(Job)
        busy = exists().where(
            other.dataset_id == cand.dataset_id,
            other.id != cand.id,
            other.state == JobState.RUNNING.value,
            # a run without a lease (`dataharbor run`, `upload --wait`) holds its dataset too
            or_(other.lease_until.is_(None), other.lease_until >= now),
        )
        oldest = select(cand.id).where(_claimable(cand, now), ~busy).order_by(cand.id).limit(1).scalar_subquery()
        claimed = s.execute(
            update(Job)
            .where(Job.id == oldest, _claimable(Job, now))  # re-checked on the row as written
            .values(state=JobState.RUNNING.value, claimed_by=worker, lease_until=now + timedelta(seconds=lease_s))
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        ).scalar()
        return int(claimed) if claimed is not None else None


def renew(catalog: Catalog, job_id: int, worker: str, lease_s: float = DEFAULT_LEASE_S) -> bool:
    """Extend the lease; False when this worker no longer holds the job (its lease expired and it was taken)."""
    with catalog.session() as s:
        now = db_now(s)
        result = s.execute(
            update(Job)
            .where(Job.id == job_id, Job.claimed_by == worker, Job.state == JobState.RUNNING.value)
            .values(lease_until=now + timedelta(seconds=lease_s))
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def release(catalog: Catalog, job_id: int, worker: str, *, requeue: str = "", error: str = "") -> None:
    """End this worker's hold on the job. With `requeue` (the reason), put it back in the queue for any worker;
    a job the run left `running` (it failed before it started, e.g. a conflict) is marked failed with `error`."""
    with catalog.session() as s:
        held = (Job.id == job_id, Job.claimed_by == worker)
        if requeue:
            values = {"state": JobState.QUEUED.value, "claimed_by": "", "error": requeue, "finished_at": None}
            s.execute(update(Job).where(*held).values(lease_until=None, **values))
            return
        s.execute(
            update(Job)
            .where(*held, Job.state == JobState.RUNNING.value)
            .values(state=JobState.FAILED.value, error=error or "the run ended without a result", finished_at=db_now(s))
            .execution_options(synchronize_session=False)
        )
        s.execute(update(Job).where(*held).values(lease_until=None).execution_options(synchronize_session=False))


def forget_dead_attempts(catalog: Catalog, job_id: int) -> int:
    """Drop dedup-index rows left uncommitted by an attempt of this job that died without aborting (a killed
    worker): the re-run would otherwise find its own records there and drop them as duplicates."""
    return DedupIndex(catalog.engine).abort_job(job_id)


class Heartbeat(threading.Thread):
    """Renews a claim's lease every `lease_s / 4` seconds while the job runs; sets `lost` if the claim is gone."""

    def __init__(self, catalog: Catalog, job_id: int, worker: str, lease_s: float) -> None:
        super().__init__(name=f"lease-job-{job_id}", daemon=True)
        self.catalog, self.job_id, self.worker, self.lease_s = catalog, job_id, worker, lease_s
        self.lost = threading.Event()
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(self.lease_s / 4):
            try:
                if not renew(self.catalog, self.job_id, self.worker, self.lease_s):
                    self.lost.set()
                    return
            except Exception:  # a catalog blip: try again at the next beat, the lease has slack for three
                continue

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
