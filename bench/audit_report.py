"""Audit + report generation on a 100k-record version: seconds, not minutes.

Builds a 100,000-record open dataset from tinyshakespeare lines (JSONL, `minimal` profile), then times the audit
(all sections, streaming the shards once) and the JSON / Markdown / HTML renderings. Writes
bench/results/audit-report.json.

    .venv/bin/python bench/audit_report.py [--records 100000]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from dataharbor.access.auditlog import AuditLog
from dataharbor.access.context import AccessContext
from dataharbor.access.subjects import LOCAL_ADMIN
from dataharbor.audit import audit_version, read_report, render
from dataharbor.audit.rules import load_rules
from dataharbor.catalog import repo
from dataharbor.config import Settings
from dataharbor.evaldata import evaldata_dir
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.jobs import run_job

RESULTS = Path(__file__).resolve().parent / "results" / "audit-report.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    args = ap.parse_args()
    lines = [ln for ln in (evaldata_dir() / "text/tinyshakespeare/input.txt").read_text().splitlines() if ln.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "lines.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for i in range(args.records):  # 3 consecutive lines + the index: mostly distinct records
                text = " ".join(lines[(i * 3 + k) % len(lines)] for k in range(3)) + f" ({i})"
                fh.write(json.dumps({"text": text}) + "\n")
        settings = Settings(home=Path(tmp) / "h", executor="inline", profile="minimal")
        h = Harbor.open(settings, create=True)
        try:
            with h.catalog.session() as s:
                repo.add_partner(s, name="bench")
                repo.create_dataset(s, partner="bench", name="lines", tier="open", license="CC0-1.0", languages=["en"])
            with h.catalog.session() as s:
                job = upload(s, h.store, dataset_ref="bench/lines", paths=[src], profile="minimal").job_id
            t0 = time.perf_counter()
            outcome = run_job(h.catalog, h.settings, job)
            job_s = time.perf_counter() - t0
            with h.catalog.session() as s:
                acc = AccessContext(s, LOCAL_ADMIN, AuditLog.in_home(settings.resolved_home))
                version = repo.get_version(s, repo.get_dataset(s, "bench/lines"), 1)
                t0 = time.perf_counter()
                report_row = audit_version(acc, h.store, version, load_rules())
                audit_s = time.perf_counter() - t0
                report = read_report(acc, version)
            timings = {}
            sizes = {}
            for fmt in ("json", "md", "html"):
                t0 = time.perf_counter()
                text = render(report, fmt)
                timings[fmt] = round(time.perf_counter() - t0, 3)
                sizes[fmt] = len(text.encode())
        finally:
            h.close()
    out = {
        "what": "audit (all sections) and report rendering of one version",
        "records": report["sections"]["composition"]["records"],
        "tokens": report["sections"]["composition"]["tokens"],
        "profile": "minimal (normalize, confidence, minhash, dedup): no language/quality/pii/safety annotations",
        "job_seconds_including_automatic_audit": round(job_s, 2),
        "automatic_audit": outcome.audit,
        "audit_seconds": round(audit_s, 2),
        "render_seconds": timings,
        "report_bytes": sizes,
        "verdict": report_row.verdict,
        "machine": f"{platform.machine()}, {platform.python_version()}, shared 2-core VM",
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
