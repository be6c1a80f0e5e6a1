"""Speech transcription for audio files and the soundtrack of videos (the `media` extra).

    from dataharbor.ingest.asr import transcribe
    for seg in transcribe(source.open, options, name=source.name):
        print(seg.start, seg.end, seg.confidence, seg.language, seg.text)

Models load lazily, once per process, one CPU thread each. See docs/asr.md for the model choice,
the confidence formula, the limits and the measured word error rates.
"""

from __future__ import annotations

from dataharbor.ingest.asr.decode import media_duration
from dataharbor.ingest.asr.models import require_asr
from dataharbor.ingest.asr.normalize import normalize, word_error_rate
from dataharbor.ingest.asr.transcribe import Segment, segment_confidence, transcribe

__all__ = [
    "Segment",
    "media_duration",
    "normalize",
    "require_asr",
    "segment_confidence",
    "transcribe",
    "word_error_rate",
]
