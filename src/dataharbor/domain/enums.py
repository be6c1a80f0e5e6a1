"""Enumerations shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class Tier(StrEnum):
    OPEN = "open"
    PRIVATE = "private"


class Purpose(StrEnum):
    TRAINING = "training"
    EVALUATION = "evaluation"
    FINE_TUNING = "fine-tuning"
    RESEARCH = "research"


class PiiPolicy(StrEnum):
    REDACT = "redact"  # replace personal data with typed placeholders
    DROP = "drop"  # drop records that hold any
    KEEP_PRIVATE_ONLY = "keep-private-only"  # annotate but keep as is: private datasets only


class FileStatus(StrEnum):
    PENDING = "pending"
    OK = "ok"
    FAILED = "failed"
    DUPLICATE = "duplicate"  # the same bytes were already uploaded to this dataset
    WITHDRAWN = "withdrawn"  # its contribution was withdrawn: blob deleted, no longer "already uploaded"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class VersionState(StrEnum):
    PROCESSING = "processing"  # its job is running; not readable yet
    PROCESSED = "processed"  # written and committed, awaiting audit
    AUDITED = "audited"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Modality(StrEnum):
    TEXT = "text"
    DOCUMENT = "document"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
