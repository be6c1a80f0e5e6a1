"""Extractor base class and registry.

An extractor reads one `Source` (an uploaded file, or a member of an archive) and yields
`Extracted` pieces of text with their location inside the source. The ingest service turns
them into Records with full provenance. New format families (OCR, speech, video) plug in by
registering an extractor for their detected types.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, ClassVar, TypeVar

from dataharbor.errors import HarborError


class ExtractionError(HarborError):
    """The file cannot be read as its type; `reason` is short and stable (for counting)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason, reason=reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits that keep hostile input from exhausting the machine."""

    max_archive_members: int = 10_000
    max_archive_total_bytes: int = 2 * 1024**3  # uncompressed bytes across all members
    max_member_bytes: int = 512 * 1024**2
    max_compression_ratio: float = 200.0
    max_archive_depth: int = 3
    max_record_chars: int = 1_000_000  # longer texts are split into several records
    max_pdf_pages: int = 5_000
    # images: decompression bombs and absurd sizes are refused before any pixel is decoded
    max_image_pixels: int = 150_000_000
    max_image_side: int = 40_000
    max_image_frames: int = 2_000  # pages of a multi-page TIFF
    # audio and video longer than this are refused (read from the container, before decoding)
    max_media_seconds: float = 8 * 3600


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """Per-dataset/per-upload choices (text field of JSON, text column of CSV, ...)."""

    text_field: str = "text"
    text_column: str = "text"
    csv_delimiter: str | None = None
    limits: Limits = field(default_factory=Limits)
    # the dataset's declared languages (ISO 639-1 codes): they choose the OCR and speech models
    languages: tuple[str, ...] = ()
    # faster-whisper model name or directory; "" = the models shipped with the `media` extra
    asr_model: str = ""
    asr_device: str = "cpu"
    # raw PCM audio has no header: "<sample format>:<rate>:<channels>", e.g. "s16le:16000:1"
    pcm_format: str = ""
    ocr_dpi: int = 300  # PDF pages are rendered at this resolution for OCR
    video_frame_interval: float = 1.0  # seconds between video frames sampled for on-screen text


@dataclass(slots=True)
class Source:
    """Something to extract from: opened lazily, never read whole unless the format needs it."""

    name: str  # display name: file name, or member path inside an archive
    size: int
    opener: Callable[[], IO[bytes]]
    detected_type: str = ""
    # location prefix when this source is nested in another (e.g. {"member": "docs/a.pdf"})
    location: dict[str, Any] = field(default_factory=dict)
    depth: int = 0

    def open(self) -> IO[bytes]:
        return self.opener()

    def head(self, n: int = 8192) -> bytes:
        with self.open() as fh:
            return fh.read(n)


@dataclass(slots=True)
class Extracted:
    text: str
    location: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    # `text` (born-digital), `image` (OCR of a scan, photo or rendered page), `audio`, `video`
    modality: str = "text"
    extractor: str = ""  # filled by the ingest layer when empty
    extractor_version: str = ""


class Extractor(ABC):
    """Reads one source of the `types` it declares."""

    name: ClassVar[str]
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]]

    @abstractmethod
    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        """Yield the text pieces of `source`; raise ExtractionError when it is unreadable."""


_REGISTRY: dict[str, type[Extractor]] = {}
E = TypeVar("E", bound=type[Extractor])


def register_extractor(cls: E) -> E:
    for t in cls.types:
        _REGISTRY[t] = cls
    return cls


def extractor_for(detected_type: str) -> Extractor | None:
    from dataharbor.ingest import extractors  # noqa: F401  (importing registers them)

    cls = _REGISTRY.get(detected_type)
    return cls() if cls else None


def registered_types() -> dict[str, str]:
    from dataharbor.ingest import extractors  # noqa: F401

    return {t: c.name for t, c in sorted(_REGISTRY.items())}
