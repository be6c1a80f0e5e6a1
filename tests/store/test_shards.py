from __future__ import annotations

from pathlib import Path

import fsspec
import pyarrow.parquet as pq

from dataharbor.domain.record import Provenance, Record, record_id
from dataharbor.store.shards import ShardWriter, integrity_root, read_shard, records_to_table, table_to_records


def _rec(i: int) -> Record:
    loc = {"row": i}
    r = Record(
        record_id(1, "ab" * 32, loc),
        f"text {i} é",
        Provenance("ab" * 32, "f.csv", "csv", "1", loc, 3, 4),
        metadata={"k": i, "_sig": [1, 2]},
        annotations={"language": {"lang": "fr"}},
    )
    return r


def test_row_bounded_shards_roundtrip_and_hashes(tmp_path: Path) -> None:
    fs = fsspec.filesystem("file")
    (tmp_path / "v1").mkdir()
    w = ShardWriter(fs, str(tmp_path), "v1", "records", 1, rows_per_shard=4)
    w.write([_rec(i) for i in range(6)])
    w.write([_rec(i) for i in range(6, 10)])
    shards = w.close()
    assert [s.rows for s in shards] == [4, 4, 2]
    back = [r for s in shards for r in table_to_records(read_shard(fs, str(tmp_path), s.path))]
    assert [r.text for r in back] == [f"text {i} é" for i in range(10)]
    assert back[0].provenance.location == {"row": 0} and back[0].provenance.file_id == 4
    assert back[0].metadata == {"k": 0}  # working state ("_" keys) is not published
    assert back[0].annotations == {"language": {"lang": "fr"}}
    assert pq.read_table(tmp_path / shards[0].path, columns=["language"]).column(0).to_pylist()[0] == "fr"
    root = integrity_root(shards)
    assert len(root) == 64 and root != integrity_root(shards[:2])


def test_record_ids_are_stable_and_location_sensitive() -> None:
    a = record_id(1, "f" * 64, {"page": 1})
    assert a == record_id(1, "f" * 64, {"page": 1})
    assert a != record_id(1, "f" * 64, {"page": 2})
    assert a != record_id(2, "f" * 64, {"page": 1})
    assert a.startswith("d1-")


def test_working_state_bytes_survive_a_spill() -> None:
    r = _rec(1)
    r.metadata["_sig"] = b"\x00\xffsig"
    back = next(table_to_records(records_to_table([r], 1, keep_working_state=True)))
    assert back.metadata["_sig"] == b"\x00\xffsig"
