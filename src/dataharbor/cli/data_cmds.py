"""`upload`, `jobs`, `worker`, `versions`, `records`, `trace` and `profiles` commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from dataharbor.access import operations as ops
from dataharbor.catalog import repo
from dataharbor.catalog.models import Dataset, File, Job
from dataharbor.cli.context import JsonOpt, PurposeOpt, TokenOpt, governed, open_harbor, settings_from
from dataharbor.cli.render import console, emit_json, human_bytes, kv, table
from dataharbor.errors import InvalidInput, NotFound
from dataharbor.harbor import Harbor
from dataharbor.pipeline.claims import DEFAULT_LEASE_S
from dataharbor.pipeline.jobs import JobOutcome, run_job
from dataharbor.pipeline.profiles import load_profiles
from dataharbor.pipeline.runner import run_worker
from dataharbor.select.browse import read_records, read_trace


def run_with_progress(h: Harbor, job_id: int, *, quiet: bool = False) -> JobOutcome:
    if quiet:
        return run_job(h.catalog, h.settings, job_id)
    with Progress(
        TextColumn("[bold]job {task.fields[job]}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("starting", total=None, job=job_id)

        def on_file(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=name[-50:])

        return run_job(h.catalog, h.settings, job_id, progress=on_file)


def outcome_summary(outcome: JobOutcome) -> None:
    st = outcome.stats
    console.print(
        f"[green]Version {outcome.dataset}@v{outcome.version}[/]: {st['kept']} records kept, "
        f"{st['dropped']} dropped, from {sum(st['files'].values())} files ({st['files']})"
    )
    if st["drop_reasons"]:
        table("Dropped, by stage and reason", ["stage:reason", "records"], st["drop_reasons"].items())
    for name, err in outcome.failed_files:
        console.print(f"  [red]failed[/] {name}: {err}")


def upload(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME")],
    paths: Annotated[list[Path], typer.Argument(help="Files, folders or archives to contribute.")],
    wait: Annotated[bool, typer.Option("--wait", help="Process now, in this process, with a progress bar.")] = False,
    profile: Annotated[str | None, typer.Option(help="Pipeline profile (see `dataharbor profiles`).")] = None,
    note: Annotated[str, typer.Option(help="A note stored with the contribution.")] = "",
    pcm_format: Annotated[
        str,
        typer.Option(help="Format of raw PCM audio (.pcm/.raw): sample format:rate:channels, e.g. s16le:16000:1."),
    ] = "",
    language: Annotated[
        list[str] | None,
        typer.Option(
            "--language", "-l", help="Language of these files (repeatable); default: the dataset's languages."
        ),
    ] = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Contribute files to a dataset and start processing them into a new version.

    Scans, photos, recordings and videos are read by OCR and speech transcription (the `media` extra);
    the languages choose the OCR and speech models.
    """
    with governed(ctx, token) as (h, acc):
        result = ops.upload(  # committed: the job below reads the contribution in its own sessions
            acc,
            h.store,
            dataset_ref=ref,
            paths=paths,
            note=note,
            profile=profile or h.settings.profile,
            options={"pcm_format": pcm_format, "languages": language or []},
        )
        out: dict[str, Any] = {
            "dataset": result.dataset,
            "contribution": result.contribution_id,
            "job": result.job_id,
            "files": result.files,
            "bytes": result.bytes,
            "duplicates": result.duplicates,
            "unreadable": result.unreadable,
        }
        if not as_json:
            console.print(
                f"Stored {result.files} files ({human_bytes(result.bytes)}) as contribution "
                f"{result.contribution_id}; job {result.job_id} queued"
            )
            for d in result.duplicates:
                console.print(f"  [yellow]duplicate[/] {d}: already uploaded to this dataset, not processed again")
        if wait:
            outcome = run_with_progress(h, result.job_id, quiet=as_json)
            out["version"] = outcome.version
            out["stats"] = outcome.stats
            if not as_json:
                outcome_summary(outcome)
        else:
            start_background_worker(h)
            if not as_json:
                console.print(f"Processing in the background; follow it with `dataharbor jobs {result.job_id}`")
    if as_json:
        emit_json(out)


def start_background_worker(h: Harbor) -> None:
    logs = h.settings.resolved_home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"DATAHARBOR_HOME": str(h.settings.resolved_home)}
    with open(logs / "worker.log", "ab") as log:
        subprocess.Popen(
            [sys.executable, "-m", "dataharbor", "worker"],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )


def worker(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="Run at most one job, then exit.")] = False,
    poll: Annotated[
        float | None,
        typer.Option(help="Keep running: when no job is waiting, look again every SECONDS (production)."),
    ] = None,
    lease: Annotated[
        float,
        typer.Option(help="Seconds a job stays held without a heartbeat before another worker may take it over."),
    ] = DEFAULT_LEASE_S,
    name: Annotated[str, typer.Option(help="This worker's name in the catalog (default: host:pid:random).")] = "",
) -> None:
    """Claim queued jobs from the catalog and run them; any number of workers may share one catalog and store.

    Without --poll, exits when no job is left. SIGTERM/SIGINT: exits at once when idle; a running job is
    abandoned cleanly and put back in the queue. A killed worker's job is taken over when its lease expires.
    """
    if poll is not None and poll <= 0:
        raise InvalidInput(f"--poll must be > 0 seconds, got {poll}")
    if lease < 2:
        raise InvalidInput(f"--lease must be at least 2 seconds, got {lease}")
    with open_harbor(ctx) as h:
        report = run_worker(h, once=once, poll=poll, lease_s=lease, name=name, log=console.print)
    console.print(
        f"worker {report.name}: {len(report.succeeded)} succeeded, {len(report.failed)} failed, "
        f"{len(report.requeued)} requeued" + (f" (stopped by {report.stopped_by})" if report.stopped_by else "")
    )


def run_job_cmd(
    ctx: typer.Context,
    job_id: Annotated[int, typer.Argument(help="Job id (see `dataharbor jobs`).")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run (or re-run after a failure or crash) one job now, in this process."""
    with governed(ctx, token) as (h, acc):
        ops.authorize_job(acc, job_id)
        outcome = run_with_progress(h, job_id, quiet=as_json)
    if as_json:
        emit_json({"job": job_id, "version": outcome.version, "stats": outcome.stats})
    else:
        outcome_summary(outcome)


def _job_dict(job: Job, ds: Dataset | None) -> dict[str, Any]:
    return {
        "id": job.id,
        "dataset": ds.ref if ds else None,
        "kind": job.kind,
        "state": job.state,
        "profile": job.profile,
        "progress": f"{job.progress_done}/{job.progress_total}",
        "attempts": job.attempts,
        "error": job.error,
        "version_id": job.version_id,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


def jobs(
    ctx: typer.Context,
    job_id: Annotated[int | None, typer.Argument(help="Show one job with its files.")] = None,
    limit: Annotated[int, typer.Option(help="How many recent jobs to list.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List recent jobs, or show one job and the outcome of each of its files."""
    with open_harbor(ctx) as h, h.catalog.session() as s:
        if job_id is None:
            rows = [
                _job_dict(j, s.get(Dataset, j.dataset_id))
                for j in s.scalars(select(Job).order_by(Job.id.desc()).limit(limit))
            ]
            if as_json:
                emit_json(rows)
            else:
                table(
                    "Jobs",
                    ["id", "dataset", "state", "progress", "attempts", "error"],
                    [(r["id"], r["dataset"], r["state"], r["progress"], r["attempts"], r["error"]) for r in rows],
                )
            return
        job = s.get(Job, job_id)
        if job is None:
            raise NotFound(f"Job {job_id} not found")
        out = _job_dict(job, s.get(Dataset, job.dataset_id))
        files = s.scalars(select(File).where(File.contribution_id == job.contribution_id).order_by(File.id)).all()
        out["files"] = [
            {
                "id": f.id,
                "name": f.name,
                "type": f.detected_type,
                "status": f.status,
                "records": f.records,
                "size": f.size,
                "sha256": f.sha256,
                "error": f.error,
                "issues": f.issues,
            }
            for f in files
        ]
    if as_json:
        emit_json(out)
        return
    kv(f"Job {job_id}", {k: v for k, v in out.items() if k != "files"})
    table(
        "Files",
        ["name", "type", "status", "records", "size", "error / issues"],
        [
            (
                f["name"],
                f["type"],
                f["status"],
                f["records"],
                human_bytes(f["size"]),
                f["error"] or issues_text(f["issues"]),
            )
            for f in out["files"]
        ],
    )


def versions(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME")],
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List a dataset's versions with state, size and integrity root (and the withdrawal of withdrawn ones)."""
    with governed(ctx, token) as (h, acc):
        _, found = ops.versions(acc, ref)
        rows = [
            {
                "version": v.number,
                "state": v.state,
                "withdrawal": withdrawal,
                "parent": v.parent_number,
                "records": v.stats.get("version", {}).get("records"),
                "dropped": v.stats.get("version", {}).get("decisions"),
                "integrity_root": v.integrity_root,
                "config_hash": v.config_hash,
                "path": f"{h.store.root}/{v.path}",
                "created_at": v.created_at.isoformat(),
            }
            for v, withdrawal in found
        ]
    if as_json:
        emit_json(rows)
    else:
        table(
            f"Versions of {ref}",
            ["version", "state", "records", "dropped", "integrity root", "created"],
            [
                (
                    f"v{r['version']}",
                    r["state"] + (f" ({r['withdrawal']})" if r["withdrawal"] else ""),
                    r["records"],
                    r["dropped"],
                    (r["integrity_root"] or "")[:16],
                    r["created_at"][:19],
                )
                for r in rows
            ],
        )


def records(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="PARTNER/NAME[@vN] (latest readable version by default)")],
    dropped: Annotated[bool, typer.Option("--dropped", help="Show the decisions table (dropped records).")] = False,
    limit: Annotated[int, typer.Option(help="How many records.")] = 10,
    purpose: PurposeOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Peek at kept records, or dropped ones with their reasons (private data: a grant for --purpose; logged)."""
    with governed(ctx, token) as (h, acc):
        s = acc.session
        ds, version = repo.resolve_version(s, ref)
        recs = read_records(acc, h.store, version, purpose=purpose, dropped=dropped, limit=limit)
    if as_json:
        emit_json(
            [
                {
                    "id": r.id,
                    "text": r.text,
                    "dropped_by": r.dropped_by,
                    "drop_reason": r.drop_reason,
                    "source": r.provenance.source_name,
                    "location": r.provenance.location,
                    "annotations": r.annotations,
                }
                for r in recs
            ]
        )
        return
    cols = ["id", "source", "location"] + (["dropped by", "reason"] if dropped else ["lang"]) + ["text"]
    table(
        f"{'Dropped' if dropped else 'Kept'} records of {ds.ref}@v{version.number}",
        cols,
        [
            [r.id, r.provenance.source_name, _loc(r.provenance.location)]
            + ([r.dropped_by, r.drop_reason] if dropped else [(r.annotations.get("language") or {}).get("lang", "")])
            + [r.text[:160].replace("\n", " ")]
            for r in recs
        ],
    )


def issues_text(issues: list[dict[str, Any]]) -> str:
    return "; ".join(f"{_loc(i.get('location') or {}) or 'file'}: {i.get('reason', '')}" for i in issues)


def _loc(location: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in location.items())


def trace_cmd(
    ctx: typer.Context,
    record_id: Annotated[str, typer.Argument(help="A record id, e.g. d1-3fa2…")],
    purpose: PurposeOpt = None,
    token: TokenOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Trace a record to its partner, contribution, file, location, extractor, stages and decision."""
    with governed(ctx, token) as (h, acc):
        out = read_trace(acc, h.store, record_id, purpose=purpose).to_dict()
    if as_json:
        emit_json(out)
    else:
        kv(f"Record {record_id}", out)


def profiles(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List pipeline profiles and their stages."""
    settings = settings_from(ctx)
    profs = load_profiles(settings.pipeline_config or None)
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "description": p.description,
            "stages": [{"name": st.name, "params": st.params} for st in p.stages],
            "source": p.source,
        }
        for p in profs.values()
    ]
    if as_json:
        emit_json(rows)
    else:
        table(
            "Pipeline profiles",
            ["profile", "stages", "description"],
            [
                (p.name, " → ".join(st.name + (f"{st.params}" if st.params else "") for st in p.stages), p.description)
                for p in profs.values()
            ],
        )


def register(app: typer.Typer) -> None:
    app.command("upload")(upload)
    app.command("jobs")(jobs)
    app.command("run-job")(run_job_cmd)
    app.command("worker")(worker)
    app.command("versions")(versions)
    app.command("records")(records)
    app.command("trace")(trace_cmd)
    app.command("profiles")(profiles)
