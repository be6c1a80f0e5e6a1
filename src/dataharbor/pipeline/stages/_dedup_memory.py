"""The in-memory part of a job's dedup state: representatives not yet written to an index table."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from dataharbor.catalog.dedup_index import IndexEntry
from dataharbor.pipeline.stages._dedup_signature import Signature

MB = 1024 * 1024


def entry_bytes(num_perm: int, bands: int) -> int:
    """What one representative costs in a `MemoryIndex` (Python objects included), in bytes.

    Measured with tracemalloc (tests/pipeline/stages/test_dedup.py keeps it an upper bound): the signature twice
    (NumPy array and bytes, num_perm × 4 each), 64-bit band keys as Python ints in the entry's list and in the
    band table (~180 bytes per band), ids and hashes (~600 bytes). 128 × 32: ~7.5 KB, measured 7.3 KB.
    """
    return 600 + 2 * (num_perm * 4 + 100) + bands * 180


class MemoryIndex:
    """Exact hashes and LSH bands of recent representatives, for duplicates within the window.

    The dedup stage keeps this small: with a database it holds the representatives not yet written
    (at most `min(budget, WRITE_BUFFER_MB)`); without one it grows until its memory budget, then spills
    to a temporary SQLite index and buffers the same way.
    """

    def __init__(self, entry_cost: int = 0) -> None:
        self.entry_cost = entry_cost
        self._entries: list[IndexEntry] = []
        self._signatures: list[Signature | None] = []
        self._by_exact: dict[str, int] = {}
        self._by_band: dict[int, list[int]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """Estimated memory held, from the measured cost of one entry."""
        return len(self._entries) * self.entry_cost

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
