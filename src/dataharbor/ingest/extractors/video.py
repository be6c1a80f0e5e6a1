"""Video (MP4, MOV, MKV, WebM, AVI): the soundtrack is transcribed, on-screen text is read by OCR.

Two kinds of records, both `modality="video"` with a time span in seconds:

- `{"track": "audio", "start", "end"}`: transcript passages, exactly as for an audio file
  (`metadata["asr"]` holds model, confidence, language and segment times);
- `{"track": "frames", "start", "end"}`: a run of the same on-screen text (a slide, a caption,
  a title card), read from frames sampled every `options.video_frame_interval` seconds and
  deduplicated across consecutive frames (`metadata["ocr"]`, `metadata["phash"]`).

A video without a soundtrack, or whose soundtrack holds no speech, still yields its on-screen
text (and a non-fatal problem says so); a video with neither yields `no_text_found`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from dataharbor.ingest.extractor import Extracted, ExtractionError, ExtractOptions, Source, register_extractor
from dataharbor.ingest.extractors._common import ReportingExtractor, require_media
from dataharbor.ingest.extractors._video_frames import on_screen_text, sample_frames
from dataharbor.ingest.extractors.image import ocr_metadata

VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/x-matroska", "video/webm", "video/avi", "video/ogg")


@register_extractor
class VideoExtractor(ReportingExtractor):
    name: ClassVar[str] = "video"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = VIDEO_TYPES

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        from dataharbor.ingest.asr import media_duration, require_asr
        from dataharbor.ingest.ocr import require_ocr

        require_media(require_asr, require_ocr)
        duration = media_duration(source.open)
        if duration is not None and duration > options.limits.max_media_seconds:
            raise ExtractionError(
                "too_long", f"{duration:.0f} s of video; the limit is {options.limits.max_media_seconds:.0f} s"
            )
        found = 0
        for piece in self._transcript(source, options):
            found += 1
            yield piece
        stats: dict[str, int] = {}
        interval = max(0.1, options.video_frame_interval)
        frames = sample_frames(source.open, interval, options.limits)
        for span in on_screen_text(frames, options.languages, interval, stats):
            found += 1
            end = min(span.end, duration) if duration else span.end
            yield Extracted(
                span.text,
                location={"track": "frames", "start": round(span.start, 2), "end": round(end, 2)},
                metadata={
                    "ocr": {**ocr_metadata(span.reading), "frames_read": span.frames_read},
                    "phash": span.phash,
                    "duration": duration,
                },
                modality="video",
            )
        if not found:
            self.report({}, "no_text_found", "no speech and no on-screen text were found", **stats)

    def _transcript(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        from dataharbor.ingest.extractors.audio import transcript_passages

        try:
            for piece in transcript_passages(source, options, self):
                piece.modality = "video"
                piece.location = {"track": "audio", **piece.location}
                yield piece
        except ExtractionError as exc:
            if exc.reason not in ("no_audio_stream", "no_speech"):
                raise
            self.report({"track": "audio"}, exc.reason, exc.detail)
