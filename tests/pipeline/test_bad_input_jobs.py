"""Hostile and broken files inside one contribution: each fails with a reason, the rest proceeds."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dataharbor.catalog.models import File
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.jobs import run_job
from dataharbor.select.browse import iter_records

GOOD = (
    "The harbour master kept a careful record of every ship that entered the port, noting the cargo, "
    "the crew and the weather. These records are now read by historians who study the trade of the town."
)


OTHER = (
    "In spring the orchard behind the school was planted with apple and pear trees, and every class "
    "was given a row to water and to watch over until the first fruit appeared in late summer."
)


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_contribution_of_broken_files_keeps_the_good_ones(harbor: Harbor, make_dataset: Any, tmp_path: Path) -> None:
    ref = make_dataset()
    d = tmp_path / "upload"
    d.mkdir()
    (d / "good.txt").write_text(GOOD)
    (d / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage without xref")
    (d / "broken.docx").write_bytes(_zip({"word/document.xml": b"<not-xml"}))
    (d / "truncated.zip").write_bytes(_zip({"a.txt": GOOD.encode()})[:-30])
    (d / "bomb.zip").write_bytes(_zip({"zeros.txt": b"0" * (300 * 1024 * 1024)}))
    (d / "traversal.zip").write_bytes(_zip({"../../etc/evil.txt": b"evil", "ok/inside.txt": OTHER.encode()}))
    (d / "garbage.txt").write_bytes(os.urandom(4096))
    (d / "latin1.txt").write_bytes(("Le café de la gare ouvre à sept heures. " * 5).encode("latin-1"))
    (d / "rows.jsonl").write_text(json.dumps({"text": GOOD}) + "\n{broken\n" + json.dumps({"other": 1}) + "\n")
    (d / "no-text-column.csv").write_text("title,body\nA,B\n")
    (d / "empty.txt").write_bytes(b"")
    with harbor.catalog.session() as s:
        job_id = upload(s, harbor.store, dataset_ref=ref, paths=[d], profile="minimal").job_id
    outcome = run_job(harbor.catalog, harbor.settings, job_id)
    with harbor.catalog.session() as s:
        files = {f.name.split("/")[-1]: f for f in s.scalars(select(File))}
    failed = {name: f.error for name, f in files.items() if f.status == "failed"}
    assert set(failed) == {
        "broken.pdf",
        "broken.docx",
        "truncated.zip",
        "garbage.txt",
        "no-text-column.csv",
        "empty.txt",
    } | ({"bomb.zip"} if files["bomb.zip"].status == "failed" else set())
    assert all(reason for reason in failed.values())
    assert "missing_text_column" in failed["no-text-column.csv"] and "title" in failed["no-text-column.csv"]
    # the bomb and the traversal member are refused; the archive's honest member is kept
    bomb_reasons = files["bomb.zip"].error + json.dumps(files["bomb.zip"].issues)
    assert "ratio" in bomb_reasons or "too_large" in bomb_reasons or "limit" in bomb_reasons
    assert any(i["reason"] == "unsafe_path" or "path" in i["reason"] for i in files["traversal.zip"].issues)
    assert files["rows.jsonl"].status == "ok" and len(files["rows.jsonl"].issues) >= 1
    kept = list(iter_records(harbor.store, _latest(harbor, ref)))
    sources = {r.provenance.source_name.split("/")[-1] for r in kept}
    assert {"good.txt", "latin1.txt", "traversal.zip"} <= sources
    assert any("café" in r.text for r in kept)
    assert not any(r.provenance.location.get("member", "").startswith("..") for r in kept)
    assert outcome.stats["files"]["failed"] == len(failed)


def _latest(h: Harbor, ref: str) -> Any:
    from dataharbor.catalog import repo

    with h.catalog.session() as s:
        return repo.get_version(s, repo.get_dataset(s, ref))


_RSS_SCRIPT = """
import resource, sys
from pathlib import Path
from dataharbor.config import Settings
from dataharbor.harbor import Harbor
from dataharbor.catalog import repo
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.jobs import run_job
h = Harbor.open(Settings(home=Path(sys.argv[1]), executor="inline"), create=True)
with h.catalog.session() as s:
    repo.add_partner(s, name="p")
    repo.create_dataset(s, partner="p", name="d", tier="open", license="CC0-1.0")
with h.catalog.session() as s:
    job = upload(s, h.store, dataset_ref="p/d", paths=[Path(sys.argv[2])], profile="minimal").job_id
out = run_job(h.catalog, h.settings, job)
print(out.stats["kept"], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kb(tmp: Path, size_mb: int) -> tuple[int, int]:
    text_file = tmp / f"big-{size_mb}.txt"
    para = (GOOD + "\n\n").encode()
    with open(text_file, "wb") as fh:
        n = 0
        while n < size_mb * 1024 * 1024:
            # distinct paragraphs, so dedup keeps them and the index really grows
            chunk = para.replace(b"harbour", f"harbour {n}".encode())
            fh.write(chunk)
            n += len(chunk)
    r = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, str(tmp / f"home-{size_mb}"), str(text_file)],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    kept, rss = r.stdout.split()
    text_file.unlink()
    return int(kept), int(rss)


@pytest.mark.slow
def test_a_large_text_file_streams_with_bounded_memory(tmp_path: Path) -> None:
    kept_small, rss_small = _peak_rss_kb(tmp_path, 8)
    kept_big, rss_big = _peak_rss_kb(tmp_path, 128)
    assert kept_big > kept_small > 0  # split into several records, all processed
    # 16× the input, yet peak memory grows by far less than the file's size
    assert rss_big - rss_small < 200 * 1024, (rss_small, rss_big)
