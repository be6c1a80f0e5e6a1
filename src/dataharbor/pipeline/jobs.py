"""Running a processing job: contribution files → records → stages → an immutable dataset version.

The version is written to a staging folder and published by one rename plus one catalog
transaction; a job that fails (or a process that dies) leaves no half-written version, and
running the job again restarts it cleanly.

A private dataset's job reads its contribution's sealed blobs and seals everything it writes (spills
with an ephemeral per-job key, shards with the contribution's data key): see docs/security.md.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from dataharbor.catalog.db import Catalog
from dataharbor.catalog.models import Contribution, Dataset, DatasetVersion, File, Job
from dataharbor.catalog.repo import READABLE, next_version_number
from dataharbor.config import Settings
from dataharbor.domain.enums import FileStatus, JobState, Tier, VersionState
from dataharbor.errors import Conflict, NotFound
from dataharbor.ingest.extractor import ExtractOptions
from dataharbor.pipeline.executors import Executor, make_executor
from dataharbor.pipeline.partition import plan_tasks
from dataharbor.pipeline.profiles import load_profile
from dataharbor.pipeline.stage import Stage, StageContext, build_stage, run_stages
from dataharbor.pipeline.stats import RunStats
from dataharbor.pipeline.worker import (
    FileResult,
    FileTask,
    JobKeys,
    close_worker,
    combine_parts,
    init_worker,
    process_file,
    read_spill,
)
from dataharbor.store.blobs import BlobStore
from dataharbor.store.crypto import DataKey
from dataharbor.store.keys import open_keyring
from dataharbor.store.shards import ShardWriter, integrity_root

Progress = Callable[[int, int, str], None]  # (files done, files total, current file name)


@dataclass(slots=True)
class JobOutcome:
    job_id: int
    dataset: str
    version: int
    stats: dict[str, Any] = field(default_factory=dict)
    failed_files: list[tuple[str, str]] = field(default_factory=list)
    audit: dict[str, Any] = field(default_factory=dict)  # the automatic audit: verdict, or the error it met


def run_job(
    catalog: Catalog,
    settings: Settings,
    job_id: int,
    *,
    executor: Executor | None = None,
    progress: Progress | None = None,
    claimed_by: str = "",
) -> JobOutcome:
    """Run the job into a new version. `claimed_by`: the worker holding the job's lease (pipeline/claims.py);
    if another worker took the job over meanwhile, this run stops before publishing and leaves it alone."""
    store = BlobStore(settings.resolved_store_url, open_keyring(settings))
    prep = _start(catalog, job_id)
    scratch = settings.resolved_home / "scratch" / f"job-{job_id}"
    staging = f"{prep.version_path}.staging"
    global_stages: list[Stage] = []
    stats = RunStats()
    committed = False  # once the catalog holds the version, nothing below may roll it back
    try:
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        # leftovers of an attempt that died: its staging folder, or a folder published just before the
        # catalog commit that never happened (the version row is still `processing`, so nobody reads it)
        for leftover in (staging, prep.version_path):
            if store.fs.exists(f"{store.root}/{leftover}"):
                store.fs.rm(f"{store.root}/{leftover}", recursive=True)
        store.fs.makedirs(f"{store.root}/{staging}", exist_ok=True)
        context = StageContext(
            dataset_id=prep.dataset_id,
            tier=prep.tier,
            declared_languages=tuple(prep.languages),
            pii_policy=prep.pii_policy,
            job_id=job_id,
            database_url=catalog.url,
            scratch_dir=str(scratch),
            memory_budget_mb=settings.dedup_memory_mb,
        )
        profile = load_profile(prep.profile, settings.pipeline_config or None)
        map_specs, global_specs = profile.split()
        global_stages = [build_stage(s.name, s.params, context) for s in global_specs]
        config_hash = profile.config_hash(context)
        keys = _job_keys(store, prep, job_id)
        blob_key = keys.blob if keys else None
        records = ShardWriter(
            store.fs, store.root, staging, "records", prep.dataset_id, settings.shard_records, key=blob_key
        )
        decisions = ShardWriter(
            store.fs, store.root, staging, "decisions", prep.dataset_id, settings.shard_records, key=blob_key
        )
        options = extract_options(settings, prep)
        runner = executor or make_executor(settings.executor, settings.workers, settings.ray_address)
        template = FileTask(
            0, prep.contribution_id, prep.dataset_id, "", "", 0, str(scratch), options, settings.batch_size
        )
        tasks = plan_tasks(
            prep.files, template, store, parallelism=runner.parallelism, split_bytes=settings.split_bytes, key=blob_key
        )
        names = {f.id: f.name for f in prep.files}
        outcome = JobOutcome(job_id, prep.dataset_ref, prep.number)
        results = runner.map(
            process_file,
            tasks,
            initializer=init_worker,
            initargs=(settings.resolved_store_url, map_specs, context, keys),
            finalizer=close_worker,
        )
        by_file = _by_file(results, tasks)
        if runner.plans_dedup:  # on Ray, dedup runs as a distributed plan over the whole run first
            from dataharbor.pipeline.dedup_plan import plan_global_stages  # pyarrow.compute + Ray: only here

            by_file, global_stages = plan_global_stages(runner, by_file, global_stages, keys.spill if keys else None)
        for done, result in enumerate(by_file, start=1):
            _record_file(catalog, job_id, result, done)
            stats.files[result.status] += 1
            stats.file_types[result.detected_type or "unknown"] += 1
            if result.status == FileStatus.FAILED.value:
                outcome.failed_files.append((names[result.file_id], result.error))
            stats.add_counters(result.counters)
            for spill in result.spill_paths:
                for batch in read_spill(spill, result.failed_members, keys.spill if keys else None):
                    counters: dict[str, dict[str, int]] = {}
                    run_stages(global_stages, batch, counters)
                    stats.add_counters(counters)
                    stats.add_records(batch)
                    records.write([r for r in batch if r.kept])
                    decisions.write([r for r in batch if not r.kept])
                os.remove(spill)
            if progress:
                progress(done, len(prep.files), names[result.file_id])
        for stage in global_stages:
            stage.finish()
        if prep.duplicate_files:
            stats.files[FileStatus.DUPLICATE.value] += prep.duplicate_files
        new_shards = [s.to_dict() | {"version": prep.number} for s in records.close() + decisions.close()]
        final_shards = [s | {"path": s["path"].replace(staging, prep.version_path, 1)} for s in new_shards]
        manifest_shards = prep.parent_shards + final_shards
        manifest = {
            "dataset": prep.dataset_ref,
            "version": prep.number,
            "parent": prep.parent_number,
            "contribution": prep.contribution_id,
            "profile": profile.describe(context),
            "config_hash": config_hash,
            "shards": manifest_shards,
        }
        _check_claim(catalog, job_id, claimed_by)
        store.move_folder(staging, prep.version_path)  # a rename on disk, copies on S3
        totals = _totals(manifest_shards)
        with catalog.session() as s:
            version = s.get(DatasetVersion, prep.version_id)
            job = s.get(Job, job_id)
            assert version is not None and job is not None
            if claimed_by and job.claimed_by != claimed_by:
                raise LeaseLost(f"Job {job_id} was taken over by {job.claimed_by} (this worker's lease expired)")
            version.state = VersionState.PROCESSED.value
            version.manifest = manifest
            version.stats = {"run": stats.to_dict(), "version": totals}
            version.integrity_root = integrity_root(manifest_shards)
            version.config_hash = config_hash
            job.state, job.finished_at, job.version_id = JobState.SUCCEEDED.value, datetime.now(UTC), version.id
        committed = True
        for stage in global_stages:
            stage.commit()
        outcome.stats = stats.to_dict()
        outcome.audit = _audit(catalog, settings, job_id, prep.version_id)
        return outcome
    except BaseException as exc:
        if isinstance(exc, LeaseLost):  # the job, its staging folder and its dedup rows are another worker's now
            raise
        if committed:  # the version is published and recorded: an error after that (the audit) must not undo it
            raise
        for stage in global_stages:
            stage.abort()
        if store.fs.exists(f"{store.root}/{staging}"):
            store.fs.rm(f"{store.root}/{staging}", recursive=True)
        _fail(catalog, job_id, prep.version_id, exc)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


class LeaseLost(Conflict):
    """Another worker claimed this job after this worker's lease expired."""


def _check_claim(catalog: Catalog, job_id: int, claimed_by: str) -> None:
    if claimed_by:
        with catalog.session() as s:
            holder = s.scalar(select(Job.claimed_by).where(Job.id == job_id))
        if holder != claimed_by:
            raise LeaseLost(f"Job {job_id} was taken over by {holder} (this worker's lease expired)")


def _audit(catalog: Catalog, settings: Settings, job_id: int, version_id: int) -> dict[str, Any]:
    """Audit the committed version (processed → audited). A failing audit never fails the job: its error is
    recorded on the job and the version stays `processed`, to be audited again with `dataharbor audit`."""
    from dataharbor.audit.service import audit_after_job  # the audit layer reads versions: import it late

    result = audit_after_job(catalog, settings, version_id)
    if "error" in result:
        with catalog.session() as s:
            job = s.get(Job, job_id)
            if job is not None:
                job.error = f"audit failed: {result['error']}"
    return result


def _job_keys(store: BlobStore, prep: _Prepared, job_id: int) -> JobKeys | None:
    """A private job's keys: its contribution's data key (made at upload) and an ephemeral spill key."""
    if prep.tier != Tier.PRIVATE.value:
        return None
    blob = store.keyring.contribution_key(prep.dataset_id, prep.contribution_id)
    return JobKeys(blob, DataKey.generate(f"job-{job_id}-spill"))


def extract_options(settings: Settings, prep: _Prepared) -> ExtractOptions:
    """How to read this contribution: dataset fields, declared languages, upload options, settings."""
    declared = prep.contribution_options
    return ExtractOptions(
        text_field=prep.text_field,
        text_column=prep.text_column,
        languages=tuple(declared.get("languages") or prep.languages),
        asr_model=settings.asr_model,
        asr_device=settings.asr_device,
        pcm_format=str(declared.get("pcm_format", "")),
    )


@dataclass(slots=True)
class _Prepared:
    dataset_id: int
    dataset_ref: str
    tier: str
    languages: list[str]
    pii_policy: str
    text_field: str
    text_column: str
    profile: str
    contribution_id: int
    contribution_options: dict[str, Any]
    files: list[File]
    duplicate_files: int
    version_id: int
    number: int
    version_path: str
    parent_number: int | None
    parent_shards: list[dict[str, Any]]


def _start(catalog: Catalog, job_id: int) -> _Prepared:
    """Claim the job and its version row; reset files so a re-run starts clean."""
    with catalog.session() as s:
        job = s.get(Job, job_id)
        if job is None:
            raise NotFound(f"Job {job_id} not found", job=job_id)
        if job.state == JobState.SUCCEEDED.value:
            raise Conflict(f"Job {job_id} already succeeded (version id {job.version_id})", job=job_id)
        ds = s.get(Dataset, job.dataset_id)
        assert ds is not None
        busy = s.scalar(
            select(DatasetVersion).where(
                DatasetVersion.dataset_id == ds.id,
                DatasetVersion.state == VersionState.PROCESSING.value,
                DatasetVersion.job_id != job_id,
            )
        )
        if busy is not None:
            raise Conflict(f"Dataset '{ds.ref}' is being processed by job {busy.job_id}; try again when it ends")
        version = s.scalar(select(DatasetVersion).where(DatasetVersion.job_id == job_id))
        parent = s.scalar(
            select(DatasetVersion)
            .where(DatasetVersion.dataset_id == ds.id, DatasetVersion.state.in_([v.value for v in READABLE]))
            .order_by(DatasetVersion.number.desc())
        )
        if version is None:
            number = next_version_number(s, ds.id)
            version = DatasetVersion(
                dataset_id=ds.id,
                number=number,
                state=VersionState.PROCESSING.value,
                job_id=job_id,
                path=f"versions/d{ds.id}/v{number}",
                parent_number=parent.number if parent else None,
            )
            s.add(version)
        contribution = s.get(Contribution, job.contribution_id) if job.contribution_id else None
        files = list(s.scalars(select(File).where(File.contribution_id == job.contribution_id).order_by(File.id)))
        todo = [f for f in files if f.status not in (FileStatus.DUPLICATE.value,) and f.sha256]
        for f in todo:
            f.status, f.error, f.records, f.issues, f.detected_type = FileStatus.PENDING.value, "", 0, [], ""
        job.state, job.attempts, job.error = JobState.RUNNING.value, job.attempts + 1, ""
        job.started_at, job.finished_at = datetime.now(UTC), None
        job.progress_done, job.progress_total = 0, len(todo)
        s.flush()
        parent_shards = list(parent.manifest.get("shards", [])) if parent else []
        for f in todo:
            s.expunge(f)
        return _Prepared(
            ds.id,
            ds.ref,
            ds.tier,
            list(ds.languages),
            ds.pii_policy,
            ds.text_field,
            ds.text_column,
            job.profile,
            job.contribution_id or 0,
            dict(contribution.options or {}) if contribution else {},
            todo,
            sum(f.status == FileStatus.DUPLICATE.value for f in files),
            version.id,
            version.number,
            version.path,
            parent.number if parent else None,
            parent_shards,
        )


def _by_file(results: Iterator[FileResult], tasks: list[FileTask]) -> Iterator[FileResult]:
    """Results come in task order; a file split in parts is yielded once, when all its parts are back."""
    pending: list[FileResult] = []
    for task, result in zip(tasks, results, strict=True):
        pending.append(result)
        if task.part == task.parts - 1:
            yield combine_parts(pending)
            pending = []


def _record_file(catalog: Catalog, job_id: int, result: FileResult, done: int) -> None:
    with catalog.session() as s:
        f = s.get(File, result.file_id)
        job = s.get(Job, job_id)
        assert f is not None and job is not None
        f.status, f.error, f.detected_type = result.status, result.error, result.detected_type
        f.records, f.issues = result.records, result.issues
        job.progress_done = done


def _fail(catalog: Catalog, job_id: int, version_id: int, exc: BaseException) -> None:
    with catalog.session() as s:
        job = s.get(Job, job_id)
        version = s.get(DatasetVersion, version_id)
        if version is not None and version.state == VersionState.PROCESSING.value:
            s.delete(version)
        if job is not None:
            reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"
            job.state, job.error, job.finished_at = JobState.FAILED.value, reason, datetime.now(UTC)


def _totals(shards: list[dict[str, Any]]) -> dict[str, int]:
    out = {"records": 0, "decisions": 0, "shards": len(shards), "bytes": 0}
    for sh in shards:
        out["records" if sh["kind"] == "records" else "decisions"] += int(sh["rows"])
        out["bytes"] += int(sh["bytes"])
    return out
