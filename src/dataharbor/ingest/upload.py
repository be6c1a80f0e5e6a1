"""Upload: store a partner's files in the blob store and record a contribution and a processing job."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dataharbor.catalog.models import Contribution, File, Job
from dataharbor.catalog.repo import get_dataset
from dataharbor.domain.enums import FileStatus, JobState, Tier
from dataharbor.errors import InvalidInput
from dataharbor.store.blobs import BlobStore

Progress = Callable[[str, int], None]  # (file name, bytes stored)


@dataclass(slots=True)
class UploadResult:
    dataset: str
    contribution_id: int
    job_id: int
    files: int = 0
    bytes: int = 0
    duplicates: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def iter_upload_paths(paths: Sequence[Path]) -> Iterator[tuple[Path, str]]:
    """(path on disk, name to record) for every file under `paths`, in a stable order."""
    for root in paths:
        if not root.exists() and not root.is_symlink():
            raise InvalidInput(f"Path '{root}' does not exist", path=str(root))
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                for fn in sorted(filenames):
                    p = Path(dirpath) / fn
                    yield p, f"{root.name}/{p.relative_to(root).as_posix()}"
        else:
            yield root, root.name


PCM_SAMPLE_FORMATS = ("s16le", "s16be", "s24le", "s32le", "f32le", "f64le", "u8", "s8")


def check_upload_options(options: dict[str, Any]) -> dict[str, Any]:
    """Validate what an uploader declares about the files (raw PCM format, languages)."""
    unknown = sorted(set(options) - {"pcm_format", "languages"})
    if unknown:
        raise InvalidInput(f"Unknown upload options: {', '.join(unknown)}", options=unknown)
    out: dict[str, Any] = {}
    if options.get("pcm_format"):
        out["pcm_format"] = parse_pcm_format(str(options["pcm_format"]))[3]
    if options.get("languages"):
        langs = [str(x).strip().lower() for x in options["languages"] if str(x).strip()]
        bad = [x for x in langs if not re.fullmatch(r"[a-z]{2,3}", x)]
        if bad:
            raise InvalidInput(f"Languages must be ISO 639 codes like 'en' or 'fr': {', '.join(bad)}")
        out["languages"] = langs
    return out


def parse_pcm_format(spec: str) -> tuple[str, int, int, str]:
    """'s16le:16000:1' -> ('s16le', 16000, 1, 's16le:16000:1'); a clear error for anything else."""
    parts = spec.strip().lower().split(":")
    fmt = parts[0] if parts else ""
    ok = len(parts) == 3 and fmt in PCM_SAMPLE_FORMATS and parts[1].isdigit() and parts[2].isdigit()
    rate, channels = (int(parts[1]), int(parts[2])) if ok else (0, 0)
    if not ok or not 1000 <= rate <= 384_000 or not 1 <= channels <= 32:
        raise InvalidInput(
            f"PCM format {spec!r} is not <sample format>:<rate>:<channels> (e.g. s16le:16000:1); "
            f"sample formats: {', '.join(PCM_SAMPLE_FORMATS)}; rate 1000-384000; 1-32 channels"
        )
    return fmt, rate, channels, f"{fmt}:{rate}:{channels}"


def upload(
    s: Session,
    store: BlobStore,
    *,
    dataset_ref: str,
    paths: Sequence[Path],
    note: str = "",
    profile: str = "default",
    options: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> UploadResult:
    """Store every file (streaming, deduplicated by content) and queue a processing job.

    A file whose exact bytes are already in this dataset is recorded as `duplicate` and not
    processed again; a file that cannot be read is recorded as `failed` with the reason.
    A private dataset's files are sealed with a new data key of this contribution as they stream in.
    """
    ds = get_dataset(s, dataset_ref)
    contribution = Contribution(dataset_id=ds.id, note=note, options=check_upload_options(options or {}))
    s.add(contribution)
    s.flush()
    result = UploadResult(ds.ref, contribution.id, 0)
    key = store.keyring.contribution_key(ds.id, contribution.id, create=True) if ds.tier == Tier.PRIVATE else None
    known = {
        sha: name
        for sha, name in s.execute(
            select(File.sha256, File.name).where(
                File.dataset_id == ds.id, File.status.notin_([FileStatus.FAILED.value, FileStatus.WITHDRAWN.value])
            )
        )
    }
    for path, name in iter_upload_paths(paths):
        row = File(contribution_id=contribution.id, dataset_id=ds.id, name=name, sha256="", size=0)
        try:
            info = store.put_file(path, key)
        except OSError as exc:
            row.status, row.error = FileStatus.FAILED.value, f"unreadable: {exc.strerror or exc}"
            result.unreadable.append(name)
            s.add(row)
            continue
        row.sha256, row.size = info.sha256, info.size
        if info.sha256 in known:
            row.status = FileStatus.DUPLICATE.value
            row.error = f"same bytes already uploaded as '{known[info.sha256]}'"
            result.duplicates.append(name)
        else:
            known[info.sha256] = name
        s.add(row)
        result.files += 1
        result.bytes += info.size
        if progress:
            progress(name, info.size)
    if result.files == 0 and not result.unreadable:
        raise InvalidInput("Nothing to upload: the given paths hold no files", paths=[str(p) for p in paths])
    contribution.file_count, contribution.bytes = result.files, result.bytes
    job = Job(
        kind="process",
        dataset_id=ds.id,
        contribution_id=contribution.id,
        state=JobState.QUEUED.value,
        profile=profile,
        progress_total=result.files,
    )
    s.add(job)
    s.flush()
    result.job_id = job.id
    return result
