"""Planning file tasks: a large file of a line-oriented format is split so every worker gets a share.

Without this, one big JSONL export would run on one core. Each part reads the file and keeps every
`parts`-th record, which costs a re-read of cheap formats only; formats whose extraction is costly
(PDF, archives, later OCR and speech) stay one task per file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from dataharbor.catalog.models import File
from dataharbor.ingest.detect import detect_source_type
from dataharbor.ingest.extractor import ExtractionError, Source
from dataharbor.pipeline.worker import FileTask
from dataharbor.store.blobs import BlobStore
from dataharbor.store.crypto import DataKey, DecryptionError

SPLITTABLE = frozenset({"text", "markdown", "jsonl", "csv", "tsv"})


def plan_tasks(
    files: Sequence[File],
    template: FileTask,
    store: BlobStore,
    *,
    parallelism: int,
    split_bytes: int,
    key: DataKey | None = None,
) -> list[FileTask]:
    """One task per file, or several for a large splittable one. `key` opens a private contribution's blobs
    (type detection reads a file's first bytes, decrypted in memory; parts re-read the sealed blob)."""
    tasks: list[FileTask] = []
    for f in files:
        task = replace(template, file_id=f.id, sha256=f.sha256, name=f.name, size=f.size)
        parts = _parts(f, store, parallelism, split_bytes, key)
        tasks += [replace(task, part=k, parts=parts) for k in range(parts)]
    return tasks


def _parts(f: File, store: BlobStore, parallelism: int, split_bytes: int, key: DataKey | None) -> int:
    if parallelism < 2 or split_bytes <= 0 or f.size < split_bytes:
        return 1
    source = Source(name=f.name, size=f.size, opener=lambda: store.open(f.sha256, key))
    try:
        kind = detect_source_type(source)
    except (ExtractionError, DecryptionError, OSError):
        return 1  # the task itself will report why the file cannot be read
    if kind not in SPLITTABLE:
        return 1
    return max(1, min(2 * parallelism, math.ceil(f.size / split_bytes)))
