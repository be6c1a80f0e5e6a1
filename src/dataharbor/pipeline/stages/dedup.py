"""minhash + dedup: exact and near-duplicate removal, within a job and against the whole platform.

Two steps share one `DedupConfig`: `minhash` (map scope, runs in parallel anywhere) fingerprints
each record; `dedup` (global scope, runs in the driver over every batch in order) keeps the
first record of each cluster and drops later ones as `exact_duplicate` or `near_duplicate`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from dataharbor.catalog.dedup_index import DedupIndex, IndexEntry, Lookup, create_tables
from dataharbor.domain.record import Record
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import Stage, StageContext, register_stage
from dataharbor.pipeline.stages._dedup_config import DedupConfig
from dataharbor.pipeline.stages._dedup_memory import MB, MemoryIndex, entry_bytes
from dataharbor.pipeline.stages._dedup_signature import (
    Fingerprint,
    Signature,
    band_keys,
    fingerprints,
    from_bytes,
    similarity,
    to_bytes,
)

# private per-record hand-over from `minhash` to `dedup`; the shard writer drops `_` keys
FINGERPRINT_KEY = "_minhash"
DEFAULT_MEMORY_MB = 256  # without `max_memory_mb` or a job's `DATAHARBOR_DEDUP_MEMORY_MB`
# with an index, new representatives are written in transactions of up to this much state (~4,400 records of
# 128 x 32): one per batch cost 2.5x the CPU in commits and per-statement work (measured on the benchmark corpus)
WRITE_BUFFER_MB = 32


@register_stage
class MinhashSignatureStage(Stage):
    """Fingerprints records: exact hash of the folded text and a MinHash signature of its shingles.

    Annotation `minhash`: `exact` (hex hash of the lower-cased text with punctuation and
    whitespace folded), `shingling` (`word3` or, for scripts without spaces, `char5`),
    `shingles` (count). The 512-byte signature travels in `record.metadata["_minhash"]`,
    which is not written to shards: the dedup index stores what it needs.
    """

    name = "minhash"
    version = "1"

    def __init__(
        self,
        context: StageContext,
        *,
        word_ngram: int = 3,
        char_ngram: int = 5,
        num_perm: int = 128,
        seed: int = 42,
    ) -> None:
        super().__init__(context)
        self.config = DedupConfig(word_ngram=word_ngram, char_ngram=char_ngram, num_perm=num_perm, seed=seed)

    def process(self, batch: Sequence[Record]) -> None:
        for record, fp in zip(batch, fingerprints([r.text for r in batch], self.config), strict=True):
            record.annotations[self.name] = {
                "exact": fp.exact,
                "shingling": fp.shingling,
                "shingles": fp.shingle_count,
            }
            record.metadata[FINGERPRINT_KEY] = {
                "scheme": self.config.scheme,
                "exact": fp.exact,
                "shingling": fp.shingling,
                "shingles": fp.shingle_count,
                "signature": None if fp.signature is None else to_bytes(fp.signature),
            }

    def describe(self) -> dict[str, Any]:
        return asdict(self.config)


@register_stage
class DedupStage(Stage):
    """Drops exact and near duplicates of records seen earlier in this job or on the platform.

    A record is an exact duplicate when its folded-text hash matches an indexed record, a near
    duplicate when its estimated Jaccard similarity to an LSH candidate is >= `threshold`.
    Dropped records are annotated `{cluster, duplicate_of, similarity, scope}` (`scope` is
    `job` or `platform`); kept ones `{cluster}` (their own id, or the cluster they already
    lead on the platform). With `context.database_url` every kept record is written to the
    platform index (uncommitted until `commit()`); `against_platform=False` still writes but
    only compares within the job.

    `max_memory_mb` bounds the job's in-memory state (default: the context's `memory_budget_mb`, else
    256): past it, the state moves to a temporary SQLite index in `scratch_dir`. The budget never changes
    a decision, so it is not part of the stage's description (nor of a version's `config_hash`).
    """

    name = "dedup"
    version = "1"
    scope = "global"

    def __init__(
        self,
        context: StageContext,
        *,
        threshold: float = 0.65,
        bands: int = 32,
        word_ngram: int = 3,
        char_ngram: int = 5,
        num_perm: int = 128,
        seed: int = 42,
        against_platform: bool = True,
        max_memory_mb: float | None = None,
    ) -> None:
        super().__init__(context)
        self.config = DedupConfig(
            word_ngram=word_ngram,
            char_ngram=char_ngram,
            num_perm=num_perm,
            seed=seed,
            threshold=threshold,
            bands=bands,
        )
        self.against_platform = against_platform
        budget = max_memory_mb if max_memory_mb is not None else (context.memory_budget_mb or DEFAULT_MEMORY_MB)
        if budget <= 0:
            raise ConfigError(f"dedup max_memory_mb has value '{budget}'. Expected a number > 0.", stage=self.name)
        self.max_memory_mb = float(budget)
        self._memory = MemoryIndex(entry_bytes(self.config.num_perm, self.config.bands))
        self._store: DedupIndex | None = None  # the catalog's index, or a temporary one after a spill
        self._persistent = False
        self._spill_dir: Path | None = None
        self._pending: list[IndexEntry] = []  # new representatives not yet written to the index
        self._store_seen_nonempty = False

    def setup(self) -> None:
        if self.context.database_url:
            from dataharbor.catalog.db import make_engine

            engine = make_engine(self.context.database_url)
            create_tables(engine)  # no-op once the catalog migration has created them
            self._store = DedupIndex(engine)
            self._persistent = True

    def describe(self) -> dict[str, Any]:
        return {**asdict(self.config), "against_platform": self.against_platform}

    def process(self, batch: Sequence[Record]) -> None:
        prints = self._fingerprints(batch)
        keys = [band_keys(fp.signature, self.config) if fp.signature is not None else [] for fp in prints]
        lookup = Lookup()
        if self._store is not None and self._store_may_hold_matches():
            lookup = self._store.lookup(
                exact_hashes=[fp.exact for fp in prints],
                band_keys=[k for ks in keys for k in ks],
                job_id=self.context.job_id,
                platform=self.against_platform and self._persistent,
            )
        for record, fp, record_keys in zip(batch, prints, keys, strict=True):
            entry, is_new = self._judge(record, fp, record_keys, lookup)
            if entry is not None:
                self._memory.add(entry, fp.signature)
                if is_new:
                    self._pending.append(entry)
        self._flush()

    def finish(self) -> None:
        self._write_pending()

    def _store_may_hold_matches(self) -> bool:
        """False while the index holds nothing this job may match: no committed entry of any job (when
        comparing with the platform) and none of this job's own yet. Asked per batch (one indexed
        `LIMIT 1` query), since another job may commit meanwhile; true from the first hit on."""
        if not self._store_seen_nonempty:
            assert self._store is not None
            platform = self.against_platform and self._persistent
            self._store_seen_nonempty = self._store.any_visible(job_id=self.context.job_id, platform=platform)
        return self._store_seen_nonempty

    def _judge(
        self, record: Record, fp: Fingerprint, keys: list[int], lookup: Lookup
    ) -> tuple[IndexEntry | None, bool]:
        """Drop `record` if it duplicates an indexed one; else return (its entry, whether it is new)."""
        own: IndexEntry | None = None  # this very record, indexed by an earlier version or run
        exact_hits = [e for e in [self._memory.exact(fp.exact), *lookup.by_exact.get(fp.exact, [])] if e]
        for hit in exact_hits:
            if hit.record_id == record.id:
                own = own or hit
            else:
                self._drop(record, hit, 1.0, "exact_duplicate")
                return None, False
        if fp.signature is not None:
            best: tuple[IndexEntry, float] | None = None
            for hit, signature in self._near_candidates(keys, lookup):
                if hit.record_id == record.id:
                    continue
                sim = similarity(fp.signature, signature)
                if sim >= self.config.threshold and (best is None or sim > best[1]):
                    best = (hit, sim)
            if best is not None:
                self._drop(record, best[0], best[1], "near_duplicate")
                return None, False
        if own is not None:
            record.annotations[self.name] = {"cluster": own.cluster}
            return own, False
        record.annotations[self.name] = {"cluster": record.id}
        return self._new_entry(record, fp, keys), True

    def _new_entry(self, record: Record, fp: Fingerprint, keys: list[int]) -> IndexEntry:
        """The platform index entry of a record seen for the first time (its own cluster)."""
        return IndexEntry(
            record_id=record.id,
            dataset_id=self.context.dataset_id,
            job_id=self.context.job_id,
            cluster=record.id,
            exact_hash=fp.exact,
            scheme=self.config.scheme,
            signature=None if fp.signature is None else to_bytes(fp.signature),
            band_keys=keys,
        )

    def _near_candidates(self, keys: list[int], lookup: Lookup) -> list[tuple[IndexEntry, Signature]]:
        found = list(self._memory.candidates(keys))
        ids = sorted({i for k in keys for i in lookup.by_band.get(k, ())})
        for entry_id in ids:
            entry = lookup.entries.get(entry_id)
            if entry is not None and entry.signature is not None:
                found.append((entry, from_bytes(entry.signature)))
        return found

    def _drop(self, record: Record, hit: IndexEntry, sim: float, reason: str) -> None:
        own_job = hit.job_id == self.context.job_id and not hit.committed
        record.annotations[self.name] = {
            "cluster": hit.cluster,
            "duplicate_of": hit.record_id,
            "similarity": round(sim, 4),
            "scope": "job" if own_job else "platform",
        }
        record.drop(self.name, reason)

    def _fingerprints(self, batch: Sequence[Record]) -> list[Fingerprint]:
        """Reuse what `minhash` computed when its scheme matches ours; compute the rest here."""
        out: list[Fingerprint | None] = []
        missing: list[int] = []
        for i, record in enumerate(batch):
            given = record.metadata.get(FINGERPRINT_KEY)
            if isinstance(given, dict) and given.get("scheme") == self.config.scheme:
                raw = given.get("signature")
                sig = from_bytes(raw) if isinstance(raw, bytes) else None
                out.append(Fingerprint(str(given["exact"]), str(given["shingling"]), int(given["shingles"]), sig))
            else:
                out.append(None)
                missing.append(i)
        if missing:
            computed = fingerprints([batch[i].text for i in missing], self.config)
            for i, fp in zip(missing, computed, strict=True):
                out[i] = fp
        return [fp for fp in out if fp is not None]

    def _flush(self) -> None:
        """After a batch: keep the new representatives in memory (they answer this job's own lookups) until
        the write buffer (with an index) or the memory budget (without one) is full, then write them out."""
        if self._store is None:
            if self._memory.nbytes > self.max_memory_mb * MB:
                self._spill()
            return
        if self._memory.nbytes > min(self.max_memory_mb, WRITE_BUFFER_MB) * MB:
            self._write_pending()

    def _write_pending(self) -> None:
        """Write the buffered representatives to the index (one transaction) and empty the memory."""
        if self._store is None:
            return
        if self._pending:
            self._store.add(self._pending)
            self._store_seen_nonempty = True
        self._pending = []
        self._memory.clear()

    def _spill(self) -> None:
        """No catalog and over budget: move the job's state to a temporary SQLite index."""
        base = self.context.scratch_dir or None
        if base:
            Path(base).mkdir(parents=True, exist_ok=True)
        self._spill_dir = Path(tempfile.mkdtemp(prefix="dedup-", dir=base))
        engine = create_engine(f"sqlite:///{self._spill_dir / 'index.db'}")
        create_tables(engine)
        self._store = DedupIndex(engine)
        self._write_pending()

    def commit(self) -> None:
        if self._store is not None and self._persistent:
            self._write_pending()  # normally done by `finish`, before the version was committed
            self._store.commit_job(self.context.job_id)
        self._close()

    def abort(self) -> None:
        if self._store is not None and self._persistent:
            self._store.abort_job(self.context.job_id)
        self._close()

    def _close(self) -> None:
        if self._store is not None:
            self._store.engine.dispose()
        self._store = None
        self._persistent = False
        self._memory.clear()
        self._pending = []
        self._store_seen_nonempty = False
        if self._spill_dir is not None:
            shutil.rmtree(self._spill_dir, ignore_errors=True)
            self._spill_dir = None
        self._ready = False  # a later run of the same object opens the index again
