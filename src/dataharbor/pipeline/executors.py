"""Executors decide where work runs; stages never know. Results come back in submission order,
so runs are reproducible (the first-seen record of a duplicate cluster is always the same)."""

from __future__ import annotations

import multiprocessing
import os
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Executor(ABC):
    """Runs `fn` over `items`, each worker first calling `initializer(*initargs)` once and, in a process that lives
    on after the map, `finalizer()` at its end (worker processes of a pool end with the map instead)."""

    parallelism: int = 1  # how many items run at once
    plans_dedup: bool = False  # dedup runs as a distributed plan on this executor (pipeline/dedup_plan.py)

    @abstractmethod
    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        finalizer: Callable[[], None] | None = None,
    ) -> Iterator[R]: ...


class InlineExecutor(Executor):
    """In this process, one item at a time: simplest to debug, no pickling."""

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        finalizer: Callable[[], None] | None = None,
    ) -> Iterator[R]:
        if initializer:
            initializer(*initargs)
        try:
            for item in items:
                yield fn(item)
        finally:  # this process outlives the map: what the initializer built must not (it may hold the job's text)
            if finalizer:
                finalizer()


class ProcessExecutor(Executor):
    """A local process pool. At most `2 × workers` items are in flight, so memory stays bounded."""

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.parallelism = self.workers

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        finalizer: Callable[[], None] | None = None,  # unused: the pool's processes end with the map
    ) -> Iterator[R]:
        # spawn: workers start clean (no inherited locks from threads of loaded models)
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=initializer, initargs=initargs) as pool:
            pending: deque[Future[R]] = deque()
            it = iter(items)
            for item in it:
                pending.append(pool.submit(fn, item))
                if len(pending) >= 2 * self.workers:
                    break
            while pending:
                result = pending.popleft().result()
                nxt = next(it, None)
                if nxt is not None:
                    pending.append(pool.submit(fn, nxt))
                yield result


def make_executor(kind: str, workers: int = 0, ray_address: str = "") -> Executor:
    if kind == "inline":
        return InlineExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    if kind == "ray":
        from dataharbor.pipeline.ray_executor import RayExecutor  # the `ray` extra: imported only when chosen

        return RayExecutor(workers, ray_address)
    from dataharbor.errors import ConfigError

    raise ConfigError(f"Executor '{kind}' is not one of: inline, process, ray", executor=kind)
