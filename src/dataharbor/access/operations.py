"""Governed entry points for the catalog and data commands: create, upload, run a job, list and show.

Each one asks the policy decision point first (a denial is logged and raises `Forbidden`); the state changes
(a dataset created, a contribution uploaded, a job run) are logged as allowed events. Without a token the
CLI acts as `local-admin`, so these gates change nothing for the local operator.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dataharbor.access.context import AccessContext
from dataharbor.access.policy import Action
from dataharbor.access.resources import dataset_resource, partner_resource
from dataharbor.access.withdrawal import Gone, dataset_withdrawn, withdrawal_of_version, withdrawn_contribution
from dataharbor.catalog import repo
from dataharbor.catalog.models import Dataset, DatasetVersion, Job
from dataharbor.domain.enums import VersionState
from dataharbor.errors import NotFound
from dataharbor.ingest.upload import UploadResult
from dataharbor.ingest.upload import upload as upload_files
from dataharbor.store.blobs import BlobStore


def create_dataset(acc: AccessContext, *, partner: str, name: str, **terms: Any) -> Dataset:
    """`repo.create_dataset` for the partner's admin (or an admin); the creation is an audit event."""
    s = acc.session
    decision = acc.require(Action.DATASET_CREATE, partner_resource(repo.get_partner(s, partner)))
    ds = repo.create_dataset(s, partner=partner, name=name, **terms)
    details = {"tier": ds.tier, "license": ds.license, "purposes": ds.purposes, "pii_policy": ds.pii_policy}
    acc.audit(Action.DATASET_CREATE, dataset_resource(s, ds), decision, None, **details)
    return ds


def visible_datasets(acc: AccessContext, partner: str | None = None) -> list[Dataset]:
    """The datasets whose metadata the actor may see (the others are left out of a listing, not logged)."""
    s = acc.session
    return [
        ds
        for ds in repo.list_datasets(s, partner)
        if acc.decide(Action.DATASET_READ_METADATA, dataset_resource(s, ds)).allowed
    ]


def get_dataset(acc: AccessContext, ref: str) -> Dataset:
    """A dataset whose metadata the actor may see (`Forbidden`, logged, otherwise)."""
    ds = repo.get_dataset(acc.session, ref)
    acc.require(Action.DATASET_READ_METADATA, dataset_resource(acc.session, ds))
    return ds


def versions(acc: AccessContext, ref: str) -> tuple[Dataset, list[tuple[DatasetVersion, str | None]]]:
    """A dataset's versions, each with the reference of the withdrawal that made it unreadable (if any)."""
    s = acc.session
    ds = get_dataset(acc, ref)
    out = []
    for v in repo.list_versions(s, ds.id):
        w = withdrawal_of_version(s, ds.id, v.number) if v.state == VersionState.WITHDRAWN else None
        out.append((v, w.reference if w is not None else None))
    return ds, out


def upload(
    acc: AccessContext,
    store: BlobStore,
    *,
    dataset_ref: str,
    paths: Sequence[Path],
    note: str = "",
    profile: str = "default",
    options: dict[str, Any] | None = None,
) -> UploadResult:
    """Upload for the dataset's partner (or an admin). Committed on return: the job opens its own sessions."""
    s = acc.session
    ds = repo.get_dataset(s, dataset_ref)
    resource = dataset_resource(s, ds)
    decision = acc.require(Action.DATA_UPLOAD, resource)
    withdrawn = dataset_withdrawn(s, ds.id)
    if withdrawn is not None:
        raise Gone(f"dataset '{ds.ref}'", withdrawn.reference)
    result = upload_files(s, store, dataset_ref=dataset_ref, paths=paths, note=note, profile=profile, options=options)
    details = {"contribution": result.contribution_id, "job": result.job_id, "files": result.files}
    acc.audit(Action.DATA_UPLOAD, resource, decision, None, **details, bytes=result.bytes)
    s.commit()
    return result


def authorize_job(acc: AccessContext, job_id: int) -> Job:
    """May the actor run (or re-run) this job? As uploading to its dataset. Committed on return."""
    s = acc.session
    job = s.get(Job, job_id)
    if job is None:
        raise NotFound(f"Job {job_id} not found", job=job_id)
    ds = s.get(Dataset, job.dataset_id)
    assert ds is not None
    resource = dataset_resource(s, ds)
    decision = acc.require(Action.DATA_UPLOAD, resource)
    _not_withdrawn(s, job)
    acc.audit(Action.DATA_UPLOAD, resource, decision, None, job=job.id, what="run-job")
    s.commit()
    return job


def _not_withdrawn(s: Session, job: Job) -> None:
    w = withdrawn_contribution(s, job.contribution_id) if job.contribution_id else None
    if w is not None:
        raise Gone(f"contribution {job.contribution_id} of job {job.id}", w.reference)
