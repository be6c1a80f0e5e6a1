"""Audio (WAV, FLAC, MP3, OGG/Opus, M4A/AAC, AIFF, raw PCM): transcribed speech as timed passages.

Consecutive whisper segments are grouped into passages of at most `PASSAGE_SECONDS` (60 s) and
`PASSAGE_CHARS` (1,500 characters), broken only between segments and at pauses longer than
`PASSAGE_GAP` (5 s): long enough to read as a paragraph, short enough that a time span points a
reader at the right minute. Location `{"start": s, "end": e}` in seconds (2 decimals);
`metadata["asr"]` holds the model, the passage confidence (duration-weighted mean of its segments),
the language, its probability and every segment as `[start, end, confidence]`.

A recording without speech is a non-fatal `no_speech` problem; unreadable, truncated or too long
media fail the file (`corrupt_media`, `truncated_media`, `too_long`), and without the `media` extra
the file fails with `missing_extra:media`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from dataharbor.ingest.extractor import Extracted, ExtractionError, ExtractOptions, Source, register_extractor
from dataharbor.ingest.extractors._common import ReportingExtractor, require_media

if TYPE_CHECKING:  # imported lazily at run time: dataharbor.ingest.asr imports this package's helpers
    from dataharbor.ingest.asr import Segment

AUDIO_TYPES = ("audio/wav", "audio/flac", "audio/mpeg", "audio/ogg", "audio/mp4", "audio/aiff", "audio/pcm")
PASSAGE_SECONDS = 60.0
PASSAGE_CHARS = 1500
PASSAGE_GAP = 5.0


def transcript_passages(source: Source, options: ExtractOptions, reporter: ReportingExtractor) -> Iterator[Extracted]:
    """The transcript of `source` as passages (modality `audio`); raises ExtractionError (see above).

    `reporter` receives non-fatal problems (kept for callers such as the video extractor).
    """
    from dataharbor.ingest.asr import require_asr, transcribe

    require_media(require_asr)
    group: list[Segment] = []
    for segment in transcribe(source.open, options, name=source.name):
        if group and _breaks(group, segment):
            yield _passage(group)
            group = []
        group.append(segment)
    if group:
        yield _passage(group)


def _breaks(group: list[Segment], segment: Segment) -> bool:
    first, last = group[0], group[-1]
    chars = sum(len(s.text) + 1 for s in group) + len(segment.text)
    return (
        segment.end - first.start > PASSAGE_SECONDS
        or chars > PASSAGE_CHARS
        or segment.start - last.end > PASSAGE_GAP
        or segment.language != last.language
    )


def _passage(segments: list[Segment]) -> Extracted:
    weights = [max(s.end - s.start, 0.01) for s in segments]
    confidence = sum(w * s.confidence for w, s in zip(weights, segments, strict=True)) / sum(weights)
    first = segments[0]
    return Extracted(
        " ".join(s.text for s in segments),
        location={"start": round(first.start, 2), "end": round(segments[-1].end, 2)},
        metadata={
            "asr": {
                "model": first.model,
                "confidence": round(confidence, 4),
                "language": first.language,
                "language_probability": round(first.language_probability, 4),
                "segments": [[round(s.start, 2), round(s.end, 2), round(s.confidence, 4)] for s in segments],
            }
        },
        modality="audio",
    )


@register_extractor
class AudioExtractor(ReportingExtractor):
    name: ClassVar[str] = "audio"
    version: ClassVar[str] = "1"
    types: ClassVar[tuple[str, ...]] = AUDIO_TYPES

    def extract(self, source: Source, options: ExtractOptions) -> Iterator[Extracted]:
        try:
            yield from transcript_passages(source, options, self)
        except ExtractionError as exc:
            if exc.reason != "no_speech":
                raise
            self.report({}, exc.reason, exc.detail)
