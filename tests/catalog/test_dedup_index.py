"""The persistent dedup index: visibility rules, batched lookups, commit/abort, removal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from dataharbor.catalog.base import Base
from dataharbor.catalog.dedup_index import CHUNK, TABLES, DedupIndex, IndexEntry


def _entry(
    rid: str, *, job: int, dataset: int = 1, exact: str | None = None, bands: list[int] | None = None
) -> IndexEntry:
    return IndexEntry(
        record_id=rid,
        dataset_id=dataset,
        job_id=job,
        cluster=rid,
        exact_hash=exact or rid.ljust(32, "0")[:32],
        scheme="test",
        signature=b"\x01\x02",
        band_keys=bands or [],
    )


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'catalog.db'}")
    Base.metadata.create_all(engine, tables=TABLES)
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """The index tables in a throw-away PostgreSQL database."""
    engine = create_engine(pg_url)
    Base.metadata.create_all(engine, tables=TABLES)
    yield engine
    engine.dispose()


def _check_lifecycle(engine: Engine) -> None:
    index = DedupIndex(engine)
    index.add([_entry("a", job=1, exact="h" * 32, bands=[11, -12]), _entry("b", job=1, bands=[13])])

    # the writing job sees its own rows; another job does not, until commit
    own = index.lookup(exact_hashes=["h" * 32], band_keys=[-12, 13], job_id=1)
    assert [e.record_id for e in own.by_exact["h" * 32]] == ["a"]
    assert sorted(own.entries[i].record_id for ids in own.by_band.values() for i in ids) == ["a", "b"]
    assert own.entries[own.by_band[13][0]].signature == b"\x01\x02"
    other = index.lookup(exact_hashes=["h" * 32], band_keys=[11, -12, 13], job_id=2)
    assert not other.by_exact and not other.by_band

    assert index.commit_job(1) == 2
    after = index.lookup(exact_hashes=["h" * 32], band_keys=[11], job_id=2)
    assert after.by_exact["h" * 32][0].committed
    assert [after.entries[i].record_id for i in after.by_band[11]] == ["a"]
    # platform=False: only the job's own uncommitted rows
    assert not index.lookup(exact_hashes=["h" * 32], band_keys=[11], job_id=2, platform=False).by_band

    index.add([_entry("c", job=2, bands=[11])])
    assert index.abort_job(2) == 1
    assert index.count(job_id=2) == 0
    assert index.count(committed=True) == 2
    # aborting never touches committed rows
    assert index.abort_job(1) == 0
    assert index.remove_records(["a"]) == 1
    assert index.remove_dataset(1) == 1
    assert index.count() == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM dedup_bands")).scalar_one() == 0


def test_lifecycle_on_sqlite_file(sqlite_engine: Engine) -> None:
    _check_lifecycle(sqlite_engine)


@pytest.mark.postgres
def test_lifecycle_on_postgres(pg_engine: Engine) -> None:
    _check_lifecycle(pg_engine)


def test_lookups_larger_than_one_chunk(sqlite_engine: Engine) -> None:
    index = DedupIndex(sqlite_engine)
    n = CHUNK + 500
    entries = [_entry(f"r{i}", job=5, exact=f"{i:032d}", bands=[i * 3, i * 3 + 1]) for i in range(n)]
    index.add(entries)
    ids = [e.id or 0 for e in entries]
    assert all(ids) and ids == sorted(ids)  # ids returned in insert order
    found = index.lookup(exact_hashes=[f"{i:032d}" for i in range(n)], band_keys=[i * 3 for i in range(n)], job_id=5)
    assert len(found.by_exact) == n
    assert len(found.by_band) == n
    assert {e.record_id for e in found.entries.values()} == {f"r{i}" for i in range(n)}
    assert index.abort_job(5) == n
    assert index.count() == 0
