"""Dedup as a distributed plan (Ray executor): signature → bucket → cluster → filter.

The local `dedup` stage judges records one by one in the driver. On Ray the same decisions come from a plan:

1. **signature** — the `minhash` map stage already ran in the workers; the driver reads each record's exact hash,
   signature and LSH band keys from the spills (one pass, no text kept).
2. **bucket** (Ray Data) — rows are exploded to one per band key and one per exact hash, grouped by that key
   (a distributed shuffle), and every bucket emits its candidate pairs: all earlier/later pairs of a band bucket,
   and first/other pairs of an exact bucket. The pairs' signatures are compared in parallel batches; only pairs
   at or above the threshold come back.
3. **cluster** (driver) — first-seen wins, in submission order: a record is dropped when it is an exact or near
   duplicate of an earlier *kept* record of the run, or of an entry of the persistent platform index (queried
   per batch of band keys, as the local stage does). This step is sequential but only walks verified edges:
   O(records + edges), no signature comparisons.
4. **filter** — `PlannedDedupStage` replaces the `dedup` stage in the driver's second pass over the spills:
   it applies each record's decision and writes the kept records to the platform index (uncommitted until
   the version commits, exactly like the local stage).

Decisions (kept/dropped, stage, reason) equal the local stage's. Annotations too, except that when a record is
equally similar to two kept records (a tie), the local stage names the one its batch boundaries happen to list
first and the plan names the platform's entry, then the earliest in the run.

Cost notes: a band bucket of n records emits n(n-1)/2 pairs (the local stage compares each record with the
kept members only); the driver holds the fingerprints and the decision of every record of the run, about
`PLAN_RECORD_BYTES` each (measured 3.1 KB for 128 × 32, plus the signature matrix and the Arrow table). A run
whose records would take more than the stage's memory budget (`max_memory_mb`, `DATAHARBOR_DEDUP_MEMORY_MB`) is
not planned: the local stage, which holds one batch, runs in the driver instead (same decisions, tested).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from dataharbor.catalog.dedup_index import CHUNK, IndexEntry
from dataharbor.domain.record import Record
from dataharbor.pipeline.ray_executor import RayExecutor, ray_module
from dataharbor.pipeline.stage import Stage
from dataharbor.pipeline.stages._dedup_memory import MB
from dataharbor.pipeline.stages._dedup_signature import band_keys, from_bytes, similarity, to_bytes
from dataharbor.pipeline.stages.dedup import DedupStage
from dataharbor.pipeline.worker import FileResult, read_spill
from dataharbor.store.crypto import DataKey

PLAN_RECORD_BYTES = 4_000  # driver memory per record of a planned run (see the module's cost notes)
_PAIRS = pa.schema([("lo", pa.int64()), ("hi", pa.int64()), ("is_exact", pa.bool_())])


@dataclass(slots=True)
class _Hit:
    """A kept record a later one can duplicate: an earlier record of this run or a platform index entry."""

    record_id: str
    cluster: str
    scope: str  # "job" | "platform"


@dataclass(slots=True)
class Decision:
    annotation: dict[str, Any]
    reason: str | None = None  # None: kept
    new: bool = False  # kept as a new representative: goes into the platform index


@dataclass(slots=True)
class RunFingerprints:
    """What the plan needs of the run's live records, in submission order."""

    ids: list[str] = field(default_factory=list)
    exact: list[str] = field(default_factory=list)
    keys: list[list[int]] = field(default_factory=list)
    signatures: list[bytes | None] = field(default_factory=list)


class PlannedDedupStage(DedupStage):
    """The `dedup` stage when the Ray plan has decided: applies decisions, writes new representatives."""

    def __init__(self, stage: DedupStage) -> None:
        c = stage.config
        super().__init__(
            stage.context,
            threshold=c.threshold,
            bands=c.bands,
            word_ngram=c.word_ngram,
            char_ngram=c.char_ngram,
            num_perm=c.num_perm,
            seed=c.seed,
            against_platform=stage.against_platform,
            max_memory_mb=stage.max_memory_mb,
        )
        self.decisions: dict[str, Decision] = {}

    def fingerprint_run(self, files: Sequence[FileResult], spill_key: DataKey | None) -> RunFingerprints:
        """Pass 1 over the spills: the fingerprints of every record still kept after the map stages."""
        out = RunFingerprints()
        for result in files:
            for spill in result.spill_paths:
                for batch in read_spill(spill, result.failed_members, spill_key):
                    live = [r for r in batch if r.kept]
                    for record, fp in zip(live, self._fingerprints(live), strict=True):
                        out.ids.append(record.id)
                        out.exact.append(fp.exact)
                        if fp.signature is None:
                            out.keys.append([])
                            out.signatures.append(None)
                        else:
                            out.keys.append(band_keys(fp.signature, self.config))
                            out.signatures.append(to_bytes(fp.signature))
        return out

    def plan(self, run: RunFingerprints) -> None:
        """Decide every record of the run: Ray Data finds verified pairs, the driver clusters first-seen."""
        self.ensure_setup()
        exact_group, near = candidate_edges(run, self.config.num_perm, self.config.threshold)
        platform_exact, platform_near = self._platform_hits(run)
        job = self.context.job_id
        kept: dict[int, _Hit] = {}
        exact_rep: dict[int, _Hit] = {}
        decisions: dict[str, Decision] = {}
        for seq, record_id in enumerate(run.ids):
            group = exact_group.get(seq)
            hit: _Hit | None = exact_rep.get(group) if group is not None else None
            own: IndexEntry | None = None
            for entry in platform_exact.get(seq, ()):
                if hit is not None:
                    break
                if entry.record_id == record_id:
                    own = own or entry
                else:
                    hit = _Hit(entry.record_id, entry.cluster, _scope(entry, job))
            if hit is not None:
                decisions[record_id] = _dropped(hit, 1.0, "exact_duplicate")
                continue
            best: tuple[_Hit, float] | None = None
            candidates = [
                *platform_near.get(seq, ()),
                *((kept[lo], sim) for lo, sim in near.get(seq, ()) if lo in kept),
            ]
            for candidate, sim in candidates:
                if best is None or sim > best[1]:
                    best = (candidate, sim)
            if best is not None:
                decisions[record_id] = _dropped(best[0], best[1], "near_duplicate")
                continue
            if own is not None:
                mine = _Hit(own.record_id, own.cluster, _scope(own, job))
                decisions[record_id] = Decision({"cluster": own.cluster})
            else:
                mine = _Hit(record_id, record_id, "job")
                decisions[record_id] = Decision({"cluster": record_id}, new=True)
            kept[seq] = mine
            if group is not None:
                exact_rep.setdefault(group, mine)
        self.decisions = decisions

    def _platform_hits(
        self, run: RunFingerprints
    ) -> tuple[dict[int, list[IndexEntry]], dict[int, list[tuple[_Hit, float]]]]:
        """Per record: the index entries sharing its exact hash, and those at or above the threshold by band."""
        exact: dict[int, list[IndexEntry]] = {}
        near: dict[int, list[tuple[_Hit, float]]] = {}
        if self._store is None:
            return exact, near
        job = self.context.job_id
        for start in range(0, len(run.ids), CHUNK):
            seqs = range(start, min(start + CHUNK, len(run.ids)))
            lookup = self._store.lookup(
                exact_hashes=[run.exact[i] for i in seqs],
                band_keys=[k for i in seqs for k in run.keys[i]],
                job_id=job,
                platform=self.against_platform and self._persistent,
            )
            for i in seqs:
                if hits := lookup.by_exact.get(run.exact[i]):
                    exact[i] = hits
                raw = run.signatures[i]
                if raw is None:
                    continue
                signature = from_bytes(raw)
                for entry_id in sorted({e for k in run.keys[i] for e in lookup.by_band.get(k, ())}):
                    entry = lookup.entries.get(entry_id)
                    if entry is None or entry.signature is None or entry.record_id == run.ids[i]:
                        continue
                    sim = similarity(signature, from_bytes(entry.signature))
                    if sim >= self.config.threshold:
                        near.setdefault(i, []).append((_Hit(entry.record_id, entry.cluster, _scope(entry, job)), sim))
        return exact, near

    def process(self, batch: Sequence[Record]) -> None:
        pending: list[IndexEntry] = []
        for record, fp in zip(batch, self._fingerprints(batch), strict=True):
            decision = self.decisions.pop(record.id)
            record.annotations[self.name] = decision.annotation
            if decision.reason is not None:
                record.drop(self.name, decision.reason)
            elif decision.new and self._persistent:
                keys = [] if fp.signature is None else band_keys(fp.signature, self.config)
                pending.append(self._new_entry(record, fp, keys))
        if pending and self._store is not None:
            self._store.add(pending)


def _scope(entry: IndexEntry, job_id: int) -> str:
    return "job" if entry.job_id == job_id and not entry.committed else "platform"


def _dropped(hit: _Hit, sim: float, reason: str) -> Decision:
    annotation = {
        "cluster": hit.cluster,
        "duplicate_of": hit.record_id,
        "similarity": round(sim, 4),
        "scope": hit.scope,
    }
    return Decision(annotation, reason)


# --- the Ray Data part: bucket and verify -------------------------------------------------------------------


def candidate_edges(
    run: RunFingerprints, num_perm: int, threshold: float
) -> tuple[dict[int, int], dict[int, list[tuple[int, float]]]]:
    """(exact group of each record in a group of two or more, verified near edges later → [(earlier, sim)])."""
    ray = ray_module()
    ray_data = ray_module("ray.data")
    n = len(run.ids)
    exact_group: dict[int, int] = {}
    near: dict[int, list[tuple[int, float]]] = {}
    if n < 2:
        return exact_group, near
    matrix = np.zeros((n, num_perm), dtype=np.uint32)
    for i, raw in enumerate(run.signatures):
        if raw is not None:
            matrix[i] = from_bytes(raw)
    table = pa.table(
        {
            "seq": pa.array(range(n), pa.int64()),
            "exact": pa.array(run.exact, pa.string()),
            "keys": pa.array(run.keys, pa.list_(pa.int64())),
        }
    )
    holder = [ray.put(matrix)]  # signatures only (no text); a list, so Ray passes the reference, not a copy
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    pairs = (
        ray_data.from_arrow(table)
        .repartition(cpus)
        .map_batches(_explode, batch_format="pyarrow")
        .groupby("bucket", num_partitions=cpus)
        .map_groups(_pairs, batch_format="pyarrow")
        .map_batches(_verify, batch_format="numpy", fn_kwargs={"holder": holder, "threshold": threshold})
    )
    seen: set[tuple[int, int]] = set()
    for batch in pairs.iter_batches(batch_format="numpy"):
        for lo, hi, is_exact, sim in zip(
            batch["lo"].tolist(), batch["hi"].tolist(), batch["is_exact"].tolist(), batch["sim"].tolist(), strict=True
        ):
            if is_exact:
                exact_group[hi] = lo
                exact_group[lo] = lo
            elif (lo, hi) not in seen:
                seen.add((lo, hi))
                near.setdefault(hi, []).append((lo, sim))
    for edges in near.values():
        edges.sort()
    return exact_group, near


def _explode(batch: pa.Table) -> pa.Table:
    """One row per (band key, record) and one per (exact hash, record); the two kinds of key never collide
    (decimal band keys are at most 20 characters, exact hashes 32 hex characters)."""
    keys = batch["keys"].combine_chunks()
    parents = pc.list_parent_indices(keys)
    bands = pa.table(
        {
            "bucket": pc.cast(pc.list_flatten(keys), pa.string()),
            "seq": pc.take(batch["seq"], parents),
            "is_exact": pa.array(np.zeros(len(parents), dtype=bool)),
        }
    )
    exact = pa.table(
        {
            "bucket": batch["exact"],
            "seq": batch["seq"],
            "is_exact": pa.array(np.ones(batch.num_rows, dtype=bool)),
        }
    )
    return pa.concat_tables([bands, exact.cast(bands.schema)])


def _pairs(group: pa.Table) -> pa.Table:
    """A bucket's candidate pairs (earlier, later): all pairs for a band, first/other for an exact hash."""
    seqs = np.unique(group["seq"].to_numpy())
    if len(seqs) < 2:
        return _PAIRS.empty_table()
    if bool(group["is_exact"][0].as_py()):
        lo, hi = np.full(len(seqs) - 1, seqs[0]), seqs[1:]
        return pa.table({"lo": lo, "hi": hi, "is_exact": np.ones(len(hi), dtype=bool)}, schema=_PAIRS)
    i, j = np.triu_indices(len(seqs), 1)
    return pa.table({"lo": seqs[i], "hi": seqs[j], "is_exact": np.zeros(len(i), dtype=bool)}, schema=_PAIRS)


def _verify(batch: dict[str, npt.NDArray[Any]], holder: list[Any], threshold: float) -> dict[str, npt.NDArray[Any]]:
    """Estimated Jaccard of each band pair (the share of equal MinHash slots); keeps exact pairs and pairs at or
    above the threshold. Same arithmetic as `similarity`, vectorised."""
    matrix: npt.NDArray[np.uint32] = ray_module().get(holder[0])
    lo, hi, is_exact = batch["lo"], batch["hi"], batch["is_exact"].astype(bool)
    sim = np.ones(len(lo), dtype=np.float64)
    band = ~is_exact
    if band.any():
        equal = np.count_nonzero(matrix[lo[band]] == matrix[hi[band]], axis=1)
        sim[band] = equal / matrix.shape[1]
    keep = is_exact | (sim >= threshold)
    return {"lo": lo[keep], "hi": hi[keep], "is_exact": is_exact[keep], "sim": sim[keep]}


def plan_global_stages(
    runner: Any, files: Iterator[FileResult], global_stages: list[Stage], spill_key: DataKey | None
) -> tuple[Iterator[FileResult], list[Stage]]:
    """On the Ray executor, when `dedup` is the first global stage: run the whole map phase, plan dedup on Ray, and
    give back the file results and the global stages with `dedup` replaced by its planned form. Otherwise unchanged."""
    if not isinstance(runner, RayExecutor) or not global_stages or type(global_stages[0]) is not DedupStage:
        return files, global_stages
    results = list(files)
    stage = global_stages[0]
    assert isinstance(stage, DedupStage)
    if sum(r.records for r in results) * PLAN_RECORD_BYTES > stage.max_memory_mb * MB:
        return iter(results), global_stages  # over the budget: the local stage, one batch in memory at a time
    planned = PlannedDedupStage(stage)
    planned.plan(planned.fingerprint_run(results, spill_key))
    return iter(results), [planned, *global_stages[1:]]
