"""The Ray executor: map stages on a Ray cluster (or a local Ray instance), stages unchanged.

One actor per worker holds what `initializer` builds (stages, models, the store handle), so models load once
per actor, not once per file. Results come back in submission order, with at most `2 × workers` items in
flight, exactly like the process pool.

Where the initializer's arguments go (they carry a private job's keys): not into the actors' constructors —
Ray keeps actor-creation specs in its control store (GCS) so it can restart actors, and a GCS backed by Redis
would write them there — but into one `setup` call per actor. An actor method's arguments under Ray's
inline limit (`max_direct_call_object_size`, 100 KiB) travel inside the task message straight to that
actor's process: never into the object store (so never into its spill files on disk) and never into the GCS.
Larger initargs are refused rather than silently put in the object store.
"""

from __future__ import annotations

import importlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from dataharbor.errors import ConfigError, MissingExtra
from dataharbor.pipeline.executors import Executor

T = TypeVar("T")
R = TypeVar("R")

INLINE_LIMIT = 100 * 1024  # Ray's default max_direct_call_object_size: larger arguments go to the object store


def ray_module(name: str = "ray") -> Any:
    """`ray` (or one of its modules, e.g. `ray.data`), untyped on purpose: Ray's annotations are partial."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - depends on the extra
        raise MissingExtra("the Ray executor", "ray", "ray") from exc


class _Worker:
    """A Ray actor: the state `initializer` sets up lives in this process for the whole map."""

    def setup(self, initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> int:
        if initializer:
            initializer(*initargs)
        return os.getpid()

    def run(self, fn: Callable[[Any], Any], item: Any) -> Any:
        return fn(item)


def connect(address: str = "", num_cpus: int = 0) -> None:
    """Join the Ray cluster at `address` (`auto`, `ray://head:10001`, `head:6379`), or start a local instance
    with `num_cpus` CPUs (0 = this machine's) when `address` is empty. A no-op when Ray is already up."""
    ray = ray_module()
    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False, log_to_driver=False)


class RayExecutor(Executor):
    """Runs items on Ray actors, one per worker; `workers` = 0 uses every CPU the cluster has."""

    plans_dedup = True

    def __init__(self, workers: int = 0, address: str = "") -> None:
        ray = ray_module()
        connect(address, workers)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = min(workers, cpus) if workers else cpus
        self.parallelism = max(1, self.workers)

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        initializer: Callable[..., None] | None = None,
        initargs: tuple[Any, ...] = (),
        finalizer: Callable[[], None] | None = None,  # unused: the actors are killed when the map ends
    ) -> Iterator[R]:
        ray = ray_module()
        cloudpickle = ray_module("ray.cloudpickle")  # Ray's own serialiser: the size Ray will see
        size = len(cloudpickle.dumps((initializer, initargs)))
        if size > INLINE_LIMIT:
            raise ConfigError(
                f"Executor initargs are {size} bytes; the Ray executor passes at most {INLINE_LIMIT} inline "
                "(larger ones would go through Ray's object store, which may spill to disk)",
                size=size,
            )
        actor_class = ray.remote(num_cpus=1)(_Worker)
        actors = [actor_class.remote() for _ in range(self.parallelism)]
        try:
            ray.get([a.setup.remote(initializer, initargs) for a in actors])
            load = [0] * len(actors)
            pending: deque[tuple[Any, int]] = deque()

            def submit(item: T) -> None:
                slot = min(range(len(actors)), key=load.__getitem__)
                pending.append((actors[slot].run.remote(fn, item), slot))
                load[slot] += 1

            it = iter(items)
            for item in it:
                submit(item)
                if len(pending) >= 2 * len(actors):
                    break
            while pending:
                ref, slot = pending.popleft()
                result: R = ray.get(ref)
                load[slot] -= 1
                for nxt in it:
                    submit(nxt)
                    break
                yield result
        finally:
            for actor in actors:
                ray.kill(actor)
