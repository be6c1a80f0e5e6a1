"""Stage base classes: one narrow hook per family; counting and routing live here.

A stage is constructed from its profile parameters plus a `StageContext`, loads heavy models
lazily in `setup()` (called once per worker process), and annotates/drops records of a batch.
It never knows whether it runs in-process, in a process pool or on a cluster.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from dataharbor.domain.record import Record
from dataharbor.errors import ConfigError


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a stage may know about the dataset and job it works for."""

    dataset_id: int = 0
    tier: str = "open"
    declared_languages: tuple[str, ...] = ()
    pii_policy: str = "redact"
    job_id: int = 0
    # catalog URL for stages with persistent state (the dedup index); empty = in-memory only
    database_url: str = ""
    scratch_dir: str = ""
    # memory a global stage may hold for its state before it spills to scratch_dir (MB); 0 = the stage's default
    memory_budget_mb: float = 0
    extra: dict[str, Any] = field(default_factory=dict)


class Stage(ABC):
    """Base of every stage. Subclasses set `name` and implement `process`.

    `scope = "map"` stages are pure per batch and may run in parallel anywhere;
    `scope = "global"` stages see every batch of a job, in order, in the driver process
    (e.g. deduplication, which needs state across the whole run).
    """

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    scope: ClassVar[Literal["map", "global"]] = "map"

    def __init__(self, context: StageContext) -> None:
        self.context = context
        self._ready = False

    def ensure_setup(self) -> None:
        if not self._ready:
            self.setup()
            self._ready = True

    def setup(self) -> None:
        """Load models or open indexes. Called once, lazily, in the process that runs the stage."""

    @abstractmethod
    def process(self, batch: Sequence[Record]) -> None:
        """Annotate records of `batch` in place; drop some with `record.drop(self.name, reason)`.

        Only records still kept are passed in.
        """

    def close(self) -> None:
        """Called when the job's map phase has ended in a process that lives on after it (the inline executor's;
        pool processes and Ray actors end with the map): drop whatever still holds the job's text (memories of
        pieces read), so it does not outlive the job."""

    def finish(self) -> None:
        """Global stages: called once after the last batch, before the version is committed; write out
        whatever the stage still buffers (a failure here fails the job cleanly)."""

    def commit(self) -> None:
        """Called once after the version this job produced has been committed."""

    def abort(self) -> None:
        """Called once if the job failed: undo whatever `process` persisted."""

    def describe(self) -> dict[str, Any]:
        """Parameters that define the stage's behaviour; hashed into the version's provenance."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and k != "context"}


class RecordStage(Stage):
    """A stage whose work is per record: implement `apply`, which returns a drop reason or None."""

    def process(self, batch: Sequence[Record]) -> None:
        for record in batch:
            reason = self.apply(record)
            if reason:
                record.drop(self.name, reason)

    @abstractmethod
    def apply(self, record: Record) -> str | None: ...


StageCounters = dict[str, int]

_REGISTRY: dict[str, type[Stage]] = {}
S = TypeVar("S", bound=type[Stage])


def register_stage(cls: S) -> S:
    """Class decorator: make a stage available to pipeline profiles under `cls.name`."""
    _REGISTRY[cls.name] = cls
    return cls


def stage_class(name: str) -> type[Stage]:
    _load_builtin_stages()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise ConfigError(f"Unknown stage '{name}'. Known stages: {known}", stage=name) from None


def registered_stages() -> dict[str, type[Stage]]:
    _load_builtin_stages()
    return dict(_REGISTRY)


def _load_builtin_stages() -> None:
    from dataharbor.pipeline import stages  # noqa: F401  (importing registers them)


def build_stage(name: str, params: dict[str, Any], context: StageContext) -> Stage:
    cls = stage_class(name)
    try:
        return cls(context, **params)
    except TypeError as exc:
        raise ConfigError(f"Stage '{name}' has invalid parameters {sorted(params)}: {exc}", stage=name) from exc


def run_stages(stages: Sequence[Stage], batch: Sequence[Record], counters: dict[str, StageCounters]) -> None:
    """Run `stages` over `batch` in order, counting total/kept/dropped/dropped_<reason> per stage."""
    for stage in stages:
        stage.ensure_setup()
        live = [r for r in batch if r.kept]
        if not live:
            continue
        stage.process(live)
        c = counters.setdefault(stage.name, {})
        c["total"] = c.get("total", 0) + len(live)
        for r in live:
            if r.kept:
                c["kept"] = c.get("kept", 0) + 1
            else:
                c["dropped"] = c.get("dropped", 0) + 1
                key = f"dropped_{r.drop_reason}"
                c[key] = c.get(key, 0) + 1


def merge_counters(into: dict[str, StageCounters], other: dict[str, StageCounters]) -> None:
    for stage, c in other.items():
        target = into.setdefault(stage, {})
        for k, v in c.items():
            target[k] = target.get(k, 0) + v
