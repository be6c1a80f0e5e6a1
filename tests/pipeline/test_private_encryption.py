"""Private datasets end to end: no plaintext on disk, open data unchanged, and crypto-shredding that holds."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from dataharbor.catalog import repo
from dataharbor.catalog.models import DatasetVersion, File
from dataharbor.config import Settings
from dataharbor.harbor import Harbor
from dataharbor.ingest.extractor import ExtractOptions
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.executors import InlineExecutor, ProcessExecutor
from dataharbor.pipeline.jobs import run_job
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.worker import FileTask, JobKeys, init_worker, process_file, read_spill
from dataharbor.select.browse import iter_records, trace
from dataharbor.store.crypto import DataKey, DecryptingReader, DecryptionError, is_encrypted, read_header
from dataharbor.store.keys import KeyNotFound, open_keyring


class _TwoWide(InlineExecutor):
    """Plans like a 2-worker pool (so large files are split), runs inline."""

    parallelism = 2


def _pdf(text: str) -> bytes:
    """A one-page PDF with an uncompressed text layer (so the marker is literally in the file)."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _sources(folder: Path, marker: str) -> Path:
    """Text, JSONL (large enough to be split across workers), a stored zip member and a PDF, all with `marker`."""
    folder.mkdir(parents=True)
    note = f"The harbour master wrote that {marker} was the code word for the night shipment of grain."
    (folder / "note.txt").write_text(note + "\n")
    lines = [
        json.dumps({"text": f"Log entry {i}: the pilot boat {marker} met vessel number {i} at the outer buoy."})
        for i in range(60)
    ]
    lines.insert(7, '{"text": "' + marker + " unterminated")  # malformed: its issue (not its content) is catalogued
    lines.append(json.dumps({"text": note}))  # an exact duplicate of note.txt: the decisions table gets a row
    (folder / "log.jsonl").write_text("\n".join(lines) + "\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("minutes/march.txt", f"Minutes of the March committee: item four concerns {marker} and the quay.")
    (folder / "minutes.zip").write_bytes(buf.getvalue())
    (folder / "notice.pdf").write_bytes(_pdf(f"Closure notice {marker} for the east dock"))
    return folder


def _files_under(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file())


def _holding(root: Path, marker: str) -> list[str]:
    needle = marker.encode()
    return sorted(str(p.relative_to(root)) for p in _files_under(root) if needle in p.read_bytes())


def _upload(h: Harbor, ref: str, paths: Sequence[Path]) -> int:
    with h.catalog.session() as s:
        return upload(s, h.store, dataset_ref=ref, paths=list(paths), profile="minimal").job_id


def _version(h: Harbor, ref: str, number: int | None = None) -> DatasetVersion:
    with h.catalog.session() as s:
        return repo.get_version(s, repo.get_dataset(s, ref), number)


def _platform(home: Path, ref: str, tier: str) -> Harbor:
    h = Harbor.open(Settings(home=home, executor="inline", profile="minimal", split_bytes=2048), create=True)
    partner, name, _ = repo.parse_ref(ref)
    with h.catalog.session() as s:
        repo.add_partner(s, name=partner)
        repo.create_dataset(
            s, partner=partner, name=name, tier=tier, license="CC-BY-4.0", languages=["en"], pii_policy="redact"
        )
    return h


@pytest.mark.slow
def test_private_files_on_disk_hold_no_plaintext(tmp_path: Path) -> None:
    marker = f"ZQX{uuid.uuid4().hex[:12]}MARK"
    src = _sources(tmp_path / "src", marker)
    assert len(_holding(src, marker)) == 4  # every source file carries the marker literally

    # the same files in an open dataset: the scan finds the marker in raw blobs and in shards
    open_home = tmp_path / "open"
    h = _platform(open_home, "port/open", "open")
    try:
        run_job(h.catalog, h.settings, _upload(h, "port/open", [src]), executor=_TwoWide())
        found = _holding(open_home, marker)
        assert any(f.startswith("store/blobs/") for f in found)
        assert any(f.startswith("store/versions/") for f in found)
        v = _version(h, "port/open")
        assert all("key_id" not in s for s in v.manifest["shards"])
        assert not (open_home / "keys").exists()
    finally:
        h.close()

    home = tmp_path / "private"
    h = _platform(home, "port/secret", "private")
    in_flight: list[str] = []

    def scan_scratch(done: int, total: int, name: str) -> None:
        # while the job runs: spills of later files may be on disk right now
        in_flight.extend(_holding(home / "scratch", marker))
        in_flight.extend(_holding(home / "store", marker))

    try:
        job_id = _upload(h, "port/secret", [src])
        assert _holding(home, marker) == []  # after upload
        outcome = run_job(h.catalog, h.settings, job_id, executor=ProcessExecutor(2), progress=scan_scratch)
        assert outcome.failed_files == []
        assert in_flight == []
        assert _holding(home, marker) == []  # store, keys, catalog.db: nowhere
        v = _version(h, "port/secret")
        with h.catalog.session() as s:
            files = {f.name.split("/")[-1]: f for f in s.scalars(select(File))}
            # the catalog keeps names, types, counts and issues (without content) — and a split file stayed whole
            assert files["log.jsonl"].records == 61 and [i["reason"] for i in files["log.jsonl"].issues] == [
                "malformed_json_line"
            ]
        # every blob is sealed in the contribution's area; nothing in the shared area
        blobs = [p for p in _files_under(home / "store" / "blobs")]
        assert len(blobs) == 4 and all(p.parent.name.startswith("c") for p in blobs)
        assert all(is_encrypted(p.read_bytes()[:8]) for p in blobs)
        assert {s["kind"] for s in v.manifest["shards"]} == {"records", "decisions"}
        for shard in v.manifest["shards"]:
            raw = (home / "store" / shard["path"]).read_bytes()
            assert is_encrypted(raw) and shard["key_id"] == f"d{v.dataset_id}-c1"
        # and yet everything reads back for the platform, which holds the keys
        kept = list(iter_records(h.store, v))
        assert len(kept) == v.stats["version"]["records"] >= 60
        assert sum(marker in r.text for r in kept) == len(kept)
        with h.catalog.session() as s:
            assert marker in trace(s, h.store, kept[0].id).to_dict()["text_preview"]
    finally:
        h.close()


def test_worker_spills_are_sealed_with_the_ephemeral_key(tmp_path: Path) -> None:
    marker = f"ZQX{uuid.uuid4().hex[:12]}MARK"
    settings = Settings(home=tmp_path / "harbor")
    h = Harbor.open(settings, create=True)
    try:
        blob_key = h.store.keyring.contribution_key(1, 1, create=True)
        info = h.store.put_stream(io.BytesIO(f"A private letter about {marker} and the harbour.".encode()), blob_key)
        keys = JobKeys(blob_key, DataKey.generate("job-1-spill"))
        context = StageContext(dataset_id=1, tier="private", scratch_dir=str(tmp_path))
        init_worker(settings.resolved_store_url, (), context, keys)
        task = FileTask(1, 1, 1, info.sha256, "letter.txt", info.size, str(tmp_path), ExtractOptions())
        result = process_file(task)
        assert result.status == "ok" and result.records == 1
        spill = Path(result.spill_paths[0])
        assert is_encrypted(spill.read_bytes()) and marker.encode() not in spill.read_bytes()
        with spill.open("rb") as fh:
            assert read_header(fh).key_id == "job-1-spill"
        [batch] = list(read_spill(str(spill), [], keys.spill))
        assert marker in batch[0].text
        with pytest.raises(DecryptionError):
            list(read_spill(str(spill), [], DataKey("job-1-spill", blob_key.secret)))
    finally:
        init_worker(settings.resolved_store_url, (), StageContext(dataset_id=0))
        h.close()


@pytest.mark.parametrize("where", ["first chunk", "last chunk"])
def test_a_tampered_private_blob_fails_its_file_with_a_clear_reason(
    harbor: Harbor, make_dataset: Any, where: str
) -> None:
    ref = make_dataset("port/secret", tier="private")
    src = harbor.settings.resolved_home.parent / "in"
    src.mkdir()
    line = "A private letter about the grain shipment, the ferry timetable and the quay in winter.\n"
    (src / "a.txt").write_text(line * 3000)  # ~260 KB: several chunks, so a late chunk is read only by extraction
    (src / "b.txt").write_text("Second private letter about the lighthouse keeper and the spring tides.\n")
    job_id = _upload(harbor, ref, [src])
    victim = max(_files_under(Path(harbor.store.root) / "blobs"), key=lambda p: p.stat().st_size)
    data = bytearray(victim.read_bytes())
    data[100 if where == "first chunk" else -3] ^= 0x40
    victim.chmod(0o644)
    victim.write_bytes(bytes(data))
    outcome = run_job(harbor.catalog, harbor.settings, job_id)
    [(name, error)] = outcome.failed_files
    assert name.endswith("a.txt") and "failed authentication" in error, error
    assert "DecryptionError" in error  # "unreadable: …" at type detection, "extractor_error: …" later
    texts = [r.text.strip() for r in iter_records(harbor.store, _version(harbor, ref))]
    assert texts == ["Second private letter about the lighthouse keeper and the spring tides."]


def _everything_the_platform_holds(h: Harbor) -> list[bytes]:
    """Every secret the platform could try: each data key still in the keyring and each master key file."""
    ring = open_keyring(h.settings)
    secrets = [ring.get(e.key_id).secret for e in ring.entries()]
    secrets += [p.read_bytes() for p in h.settings.resolved_keys_dir.glob("master-*.key")]
    return secrets


@pytest.mark.slow
def test_a_destroyed_contribution_key_leaves_nothing_decryptable(harbor: Harbor, make_dataset: Any) -> None:
    ref = make_dataset("port/secret", tier="private")
    base = harbor.settings.resolved_home.parent
    first = _sources(base / "first", "FIRSTMARK")
    second = base / "second"
    second.mkdir()
    (second / "later.txt").write_text("A later contribution about the lighthouse keeper and the spring tides.\n")
    run_job(harbor.catalog, harbor.settings, _upload(harbor, ref, [first]))
    run_job(harbor.catalog, harbor.settings, _upload(harbor, ref, [second]))
    v2 = _version(harbor, ref)
    ds = v2.dataset_id
    withdrawn, kept_id = f"d{ds}-c1", f"d{ds}-c2"
    assert {s["key_id"] for s in v2.manifest["shards"]} == {withdrawn, kept_id}

    assert harbor.store.keyring.destroy(withdrawn)

    home = harbor.settings.resolved_home
    sealed: dict[str, list[Path]] = {}
    for p in _files_under(home):
        with p.open("rb") as fh:
            head = fh.read(8)
            if is_encrypted(head):
                fh.seek(0)
                sealed.setdefault(read_header(fh).key_id, []).append(p)
    gone = sealed[withdrawn]
    assert sum("blobs/private" in str(p) for p in gone) == 4
    assert sorted(p.name.split("-")[0] for p in gone if p.suffix == ".parquet") == ["decisions", "records"]
    secrets = _everything_the_platform_holds(harbor)
    assert len(secrets) == 2  # the other contribution's data key and the master key
    for path in gone:
        for secret in secrets:
            with pytest.raises(DecryptionError), DecryptingReader(path.open("rb"), DataKey(withdrawn, secret)) as r:
                r.verify()
    with pytest.raises(KeyNotFound):
        open_keyring(harbor.settings).get(withdrawn)
    with pytest.raises(KeyNotFound):
        list(iter_records(harbor.store, v2))  # v2 still lists the withdrawn shards: reading them is refused

    # the other contribution is untouched: its blob and its shards still open
    key = open_keyring(harbor.settings).get(kept_id)
    for path in sealed[kept_id]:
        with DecryptingReader(path.open("rb"), key) as r:
            assert r.verify() >= 0
    texts = []
    for shard in v2.manifest["shards"]:
        if shard["key_id"] == kept_id and shard["kind"] == "records":
            with DecryptingReader((Path(harbor.store.root) / shard["path"]).open("rb"), key) as r:
                texts += pq.read_table(io.BytesIO(r.read())).column("text").to_pylist()
    assert texts and all("lighthouse" in t for t in texts)
