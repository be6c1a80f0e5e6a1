"""Sample a video's frames at a fixed interval and turn runs of the same on-screen text into spans.

Frames are decoded one at a time with PyAV (nothing but the current frame is held in memory);
one frame every `interval` seconds is kept. A sampled frame whose perceptual hash is within
`SAME_FRAME_BITS` of the last OCR'd one shows the same picture: its span is extended without
running OCR again. A frame that looks different is OCR'd; if it reads the same text as the
current span (a presenter moving in front of a slide), the span is extended too. So a slide
shown for ten minutes costs a handful of OCR calls and yields one record.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from dataharbor.ingest.extractor import ExtractionError, Limits

SAME_FRAME_BITS = 6  # of 64 pHash bits: recompression noise and small motion stay below this
SAME_TEXT_RATIO = 0.85  # difflib ratio above which two OCR readings are the same on-screen text
MAX_OCR_SIDE = 1920  # larger frames are scaled down before OCR (4K slides do not need 4K OCR)


@dataclass(slots=True)
class TextSpan:
    """On-screen text visible from `start` to `end` (seconds)."""

    start: float
    end: float
    reading: Any  # the clearest OcrResult of the frames showing this text
    phash: str
    frames_read: int = 1

    @property
    def text(self) -> str:
        return str(self.reading.text).strip()


@dataclass(slots=True)
class _Current:
    span: TextSpan | None = None
    last_hash: Any = None  # imagehash.ImageHash of the last OCR'd frame
    ocr_calls: int = 0
    frames: int = 0


def sample_frames(opener: Callable[[], IO[bytes]], interval: float, limits: Limits) -> Iterator[tuple[float, Any]]:
    """(time in seconds, PIL image) for one frame every `interval` seconds of the first video stream."""
    import av

    with opener() as fh:
        try:
            container = av.open(fh, mode="r")
        except av.error.FFmpegError as exc:
            raise ExtractionError("corrupt_media", f"the video cannot be opened: {exc}") from exc
        with container:
            yield from _sampled(container, interval, limits)


def _sampled(container: Any, interval: float, limits: Limits) -> Iterator[tuple[float, Any]]:
    import av

    if not container.streams.video:
        return
    stream = container.streams.video[0]
    width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
    if width * height > limits.max_image_pixels or max(width, height) > limits.max_image_side:
        raise ExtractionError("image_too_large", f"video frames of {width}x{height} pixels exceed the limits")
    stream.thread_type = "SLICE"  # one worker process per core: no frame threading
    next_t = 0.0
    try:
        for frame in container.decode(stream):
            if frame.pts is None or frame.time_base is None:
                continue
            t = float(frame.pts * frame.time_base)
            if t + 1e-6 < next_t:
                continue
            next_t = t + interval
            yield t, frame.to_image()
    except av.error.FFmpegError as exc:
        raise ExtractionError("corrupt_media", f"video stream unreadable at {next_t:.1f}s: {exc}") from exc


def on_screen_text(
    frames: Iterator[tuple[float, Any]],
    languages: tuple[str, ...],
    interval: float,
    stats: dict[str, int] | None = None,
) -> Iterator[TextSpan]:
    """Spans of distinct on-screen text, in time order, from sampled frames."""
    import imagehash

    from dataharbor.ingest.ocr import ocr_image

    cur = _Current()
    for t, image in frames:
        cur.frames += 1
        phash = imagehash.phash(image)
        if cur.last_hash is not None and phash - cur.last_hash <= SAME_FRAME_BITS:
            if cur.span is not None:
                cur.span.end = t + interval
            continue
        cur.last_hash = phash
        cur.ocr_calls += 1
        result = ocr_image(_fit(image), languages)
        text = result.text.strip()
        if cur.span is not None and text and _same_text(cur.span.text, text):
            cur.span.end = t + interval
            cur.span.frames_read += 1
            if result.confidence > cur.span.reading.confidence:  # keep the clearest reading of the slide
                cur.span.reading = result
            continue
        if cur.span is not None:
            yield cur.span
            cur.span = None
        if text:
            cur.span = TextSpan(t, t + interval, result, str(phash))
    if cur.span is not None:
        yield cur.span
    if stats is not None:
        stats["frames_sampled"] = stats.get("frames_sampled", 0) + cur.frames
        stats["frames_ocr"] = stats.get("frames_ocr", 0) + cur.ocr_calls


def _same_text(a: str, b: str) -> bool:
    a, b = " ".join(a.split()), " ".join(b.split())
    return a == b or difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= SAME_TEXT_RATIO


def _fit(image: Any) -> Any:
    side = max(image.size)
    if side <= MAX_OCR_SIDE:
        return image
    scale = MAX_OCR_SIDE / side
    return image.resize((round(image.width * scale), round(image.height * scale)))
