"""The worker loop behind `dataharbor worker`: claim a job, run it under a renewed lease, repeat.

Any number of workers, on one machine or many sharing the catalog (PostgreSQL) and the store (S3), can
run at once: claims are atomic (pipeline/claims.py). SIGTERM or SIGINT stops the worker cleanly: while
idle it exits at once; while running a job it abandons it (the run cleans its staging folder and dedup
rows) and puts the job back in the queue for another worker, then exits. A worker killed outright
(SIGKILL, a lost machine) leaves its job `running`; another worker re-runs it once the lease expires.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from dataharbor.harbor import Harbor
from dataharbor.pipeline import claims
from dataharbor.pipeline.jobs import JobOutcome, LeaseLost, run_job

Log = Callable[[str], None]


class StopRequested(KeyboardInterrupt):
    """Raised in the main thread by SIGTERM/SIGINT while a job runs (a KeyboardInterrupt, so every layer
    cleans up as it does for Ctrl-C)."""


@dataclass(slots=True)
class WorkerReport:
    name: str
    succeeded: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    stopped_by: str = ""  # the signal that stopped the worker, if one did


@dataclass(slots=True)
class _State:
    stop: threading.Event = field(default_factory=threading.Event)
    in_job: bool = False
    signal_name: str = ""


@contextmanager
def _signals(state: _State) -> Iterator[None]:
    """SIGTERM/SIGINT: stop taking jobs; interrupt the running one once. Handlers restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be installed by the main thread (e.g. a worker started by a test)
        return

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        first = not state.stop.is_set()
        state.stop.set()
        state.signal_name = state.signal_name or signal.Signals(signum).name
        if first and state.in_job:
            raise StopRequested(state.signal_name)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_worker(
    harbor: Harbor,
    *,
    once: bool = False,
    poll: float | None = None,
    lease_s: float = claims.DEFAULT_LEASE_S,
    name: str = "",
    log: Log = print,
    stop: threading.Event | None = None,
) -> WorkerReport:
    """Process jobs: by default until no job is claimable; `once`: at most one job; `poll`: forever, looking
    for work every `poll` seconds when idle. `stop` (optional) ends the loop from another thread."""
    state = _State(stop=stop or threading.Event())
    report = WorkerReport(name or claims.worker_name())
    with _signals(state):
        while not state.stop.is_set():
            job_id = claims.claim_next(harbor.catalog, report.name, lease_s)
            if job_id is None:
                if poll is None or once:
                    break
                state.stop.wait(poll)
                continue
            _run_claimed(harbor, job_id, report, state, lease_s, log)
            if once:
                break
    report.stopped_by = state.signal_name
    return report


def _run_claimed(harbor: Harbor, job_id: int, report: WorkerReport, state: _State, lease_s: float, log: Log) -> None:
    heartbeat = claims.Heartbeat(harbor.catalog, job_id, report.name, lease_s)
    heartbeat.start()
    outcome: JobOutcome | None = None
    error = ""
    try:
        claims.forget_dead_attempts(harbor.catalog, job_id)
        state.in_job = True
        try:
            if state.stop.is_set():  # the signal came between the claim and here
                raise StopRequested(state.signal_name)
            outcome = run_job(harbor.catalog, harbor.settings, job_id, claimed_by=report.name)
        finally:
            state.in_job = False
    except StopRequested:
        heartbeat.stop()
        claims.release(harbor.catalog, job_id, report.name, requeue=f"requeued: worker {report.name} stopped")
        report.requeued.append(job_id)
        log(f"job {job_id}: abandoned ({state.signal_name}), back in the queue")
        return
    except LeaseLost as exc:  # the job is another worker's now: nothing to release
        heartbeat.stop()
        report.failed.append(job_id)
        log(f"job {job_id}: {exc}")
        return
    except Exception as exc:  # recorded on the job by run_job; the next job still runs
        error = f"{type(exc).__name__}: {exc}"
        report.failed.append(job_id)
        log(f"job {job_id} failed: {exc}")
    heartbeat.stop()
    claims.release(harbor.catalog, job_id, report.name, error=error)
    if outcome is not None:
        report.succeeded.append(job_id)
        log(f"job {job_id}: version {outcome.dataset}@v{outcome.version} ({outcome.stats.get('kept', 0)} kept)")
