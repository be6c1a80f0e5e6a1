"""The blob store, shards and a whole job on an S3 API (moto's server on loopback: an emulator, not AWS S3)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from dataharbor.catalog import repo
from dataharbor.config import Settings
from dataharbor.domain.record import Provenance, Record
from dataharbor.errors import NotFound
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.jobs import run_job
from dataharbor.select.browse import iter_records, trace
from dataharbor.store.blobs import BlobStore
from dataharbor.store.crypto import DataKey
from dataharbor.store.shards import ShardWriter, integrity_root, read_shard

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "bundle"


def _objects(store: BlobStore) -> dict[str, bytes]:
    """Every object under the store's prefix, as S3 holds it."""
    return {p: store.fs.cat_file(p) for p in store.fs.find(store.root)}


def test_blobs_on_s3_plain_and_sealed(s3_settings: Settings) -> None:
    store = BlobStore(s3_settings.resolved_store_url)
    assert type(store.fs).__name__ == "S3FileSystem" and not store._local
    body = b"partner data " * 100_000  # > one multipart chunk of s3fs (5 MiB)
    a = store.put_stream(io.BytesIO(body))
    again = store.put_stream(io.BytesIO(body))
    assert (a.sha256, a.size, a.existed, again.existed) == (hashlib.sha256(body).hexdigest(), len(body), False, True)
    assert store.exists(a.sha256) and store.size(a.sha256) == len(body)
    with store.open(a.sha256) as fh:
        assert fh.read() == body
    assert store.local_path(a.sha256) is None  # extractors must stream it
    key = DataKey.generate("d1-c1")
    secret = b"private letter: meet at noon " * 1000
    sealed = store.put_stream(io.BytesIO(secret), key)
    assert store.exists(sealed.sha256, key) and not store.exists(sealed.sha256)
    with store.open(sealed.sha256, key) as fh:
        assert fh.read() == secret
    assert store.size(sealed.sha256, key) == len(secret)
    held = _objects(store)
    assert not any(p.endswith("/tmp") or "/tmp/" in p for p in held)  # no leftover in-flight writes
    assert not any(b"meet at noon" in v for v in held.values())  # sealed at rest in the bucket
    store.delete(a.sha256)
    with pytest.raises(NotFound):
        store.open(a.sha256)


def test_sealed_shards_on_s3_round_trip(s3_settings: Settings) -> None:
    store = BlobStore(s3_settings.resolved_store_url)
    key = DataKey.generate("d1-c1")
    prov = Provenance("ab" * 32, "letters.txt", "text", "1", {"line": 1}, 1, 1)
    records = [Record(id=f"r{i}", text=f"confidential line {i}", modality="text", provenance=prov) for i in range(5)]
    writer = ShardWriter(store.fs, store.root, "versions/d1/v1", "records", 1, rows_per_shard=2, key=key)
    writer.write(records)
    shards = writer.close()
    assert [s.rows for s in shards] == [2, 2, 1] and all(s.key_id == "d1-c1" for s in shards)
    for s in shards:  # the manifest's hashes are of the objects as stored
        assert hashlib.sha256(store.fs.cat_file(f"{store.root}/{s.path}")).hexdigest() == s.sha256
    texts = [t for s in shards for t in read_shard(store.fs, store.root, s.path, ["text"], key).column("text")]
    assert [t.as_py() for t in texts] == [r.text for r in records]
    assert len(integrity_root(shards)) == 64
    # without the key, no Parquet reader sees a file
    with store.fs.open(f"{store.root}/{shards[0].path}", "rb") as fh, pytest.raises(Exception, match=r"Parquet|magic"):
        pq.read_table(fh)


@pytest.mark.parametrize("tier", ["open", "private"])
def test_upload_job_records_and_trace_on_s3(s3_settings: Settings, tier: str) -> None:
    h = Harbor.open(s3_settings, create=True)
    try:
        with h.catalog.session() as s:
            repo.add_partner(s, name="acme")
            repo.create_dataset(s, partner="acme", name="docs", tier=tier, license="CC0-1.0", languages=["en"])
        with h.catalog.session() as s:
            job = upload(s, h.store, dataset_ref="acme/docs", paths=[SAMPLES / "reports"], profile="minimal").job_id
        outcome = run_job(h.catalog, h.settings, job)
        assert outcome.stats["kept"] >= 2
        with h.catalog.session() as s:
            version = repo.get_version(s, repo.get_dataset(s, "acme/docs"))
            records = list(iter_records(h.store, version))
            assert len(records) == outcome.stats["kept"]
            t = trace(s, h.store, records[0].id).to_dict()
            assert t["partner"] == "acme" and t["version"] == 1
            shards = version.manifest["shards"]
        # everything lives in the bucket: raw blobs and the version's shards, nothing in the home's store folder
        held = _objects(h.store)
        assert all(any(p.endswith(s["path"]) for p in held) for s in shards)
        assert sum("/blobs/" in p for p in held) >= 2 and not (s3_settings.resolved_home / "store").exists()
        assert not any(".staging" in p for p in held)
        if tier == "private":
            assert all(s.get("key_id") for s in shards)
            assert not any(records[0].text[:40].encode() in v for v in held.values())
    finally:
        h.close()


@pytest.mark.slow
def test_pool_workers_reach_the_same_bucket(s3_settings: Settings) -> None:
    """Spawned pool workers rebuild the store from its URL: the endpoint and keys must reach them too."""
    settings = s3_settings.model_copy(update={"executor": "process", "workers": 2})
    h = Harbor.open(settings, create=True)
    try:
        with h.catalog.session() as s:
            repo.add_partner(s, name="acme")
            repo.create_dataset(s, partner="acme", name="docs", tier="open", license="CC0-1.0", languages=["en"])
        with h.catalog.session() as s:
            job = upload(s, h.store, dataset_ref="acme/docs", paths=[SAMPLES], profile="minimal").job_id
        outcome = run_job(h.catalog, h.settings, job)
        assert outcome.stats["kept"] > 5 and outcome.stats["files"]["failed"] == 2  # as on local disk
    finally:
        h.close()
