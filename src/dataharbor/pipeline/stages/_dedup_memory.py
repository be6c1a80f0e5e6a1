"""The in-memory part of a job's dedup state: representatives not yet written to an index table."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dataharbor.catalog.dedup_index import IndexEntry
from dataharbor.pipeline.stages._dedup_signature import Signature


class MemoryIndex:
    """Exact hashes and LSH bands of recent representatives, for duplicates within the window.

    The dedup stage keeps this small: with a database it holds one batch at a time; without one
    it grows until `max_memory_entries`, then spills to a temporary SQLite index.
    """

    def __init__(self) -> None:
        self._entries: list[IndexEntry] = []
        self._signatures: list[Signature | None] = []
        self._by_exact: dict[str, int] = {}
        self._by_band: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: IndexEntry, signature: Signature | None) -> None:
        slot = len(self._entries)
        self._entries.append(entry)
        self._signatures.append(signature)
        self._by_exact.setdefault(entry.exact_hash, slot)
        for key in entry.band_keys:
            self._by_band.setdefault(key, []).append(slot)

    def exact(self, exact_hash: str) -> IndexEntry | None:
        slot = self._by_exact.get(exact_hash)
        return None if slot is None else self._entries[slot]

    def candidates(self, band_keys: Sequence[int]) -> Iterator[tuple[IndexEntry, Signature]]:
        """Entries sharing at least one band with `band_keys`, each once, oldest first."""
        slots = sorted({s for key in band_keys for s in self._by_band.get(key, ())})
        for slot in slots:
            signature = self._signatures[slot]
            if signature is not None:
                yield self._entries[slot], signature

    def entries(self) -> list[IndexEntry]:
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()
        self._signatures.clear()
        self._by_exact.clear()
        self._by_band.clear()
