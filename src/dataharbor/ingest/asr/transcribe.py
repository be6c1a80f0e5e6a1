"""Speech to timed text segments with faster-whisper, chunk by chunk.

Decoding settings (chosen by measurement, see docs/asr.md): beam search of 5 with whisper's
temperature fallback, `condition_on_previous_text=False` (a wrong segment cannot drag the next ones
into a repetition loop), and faster-whisper's Silero VAD, which drops silence before the model
sees it. A chunk whose loudest 0.1 s is below -60 dBFS is digital silence and skipped without
running any model, so an hour of silence costs only its decoding.

Confidence of a segment = exp(avg_logprob) × (1 − no_speech_prob), in 0..1: the geometric mean of
the token probabilities, discounted by the model's belief that the window held no speech.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from dataharbor.ingest.asr.decode import decode_chunks, frame_rms, pcm_format_for, probe
from dataharbor.ingest.asr.models import ModelChoice, choose_model, load_model, require_asr
from dataharbor.ingest.extractor import ExtractionError, ExtractOptions

SILENCE_RMS = 10 ** (-60 / 20)
BEAM_SIZE = 5
# Whisper's language codes (tokenizer.py); declared languages outside it are ignored
WHISPER_LANGUAGES = frozenset(
    "en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no th ur hr bg lt la mi ml "
    "cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw gl mr pa si km sn yo so af oc ka be tg sd gu am "
    "yi lo uz fo ht ps tk nn mt sa lb my bo tl mg as tt haw ln ha ba jw su yue".split()
)


@dataclass(slots=True)
class Segment:
    start: float  # seconds from the start of the file
    end: float
    text: str
    confidence: float  # 0..1, see the module docstring
    language: str
    language_probability: float = 1.0  # 1.0 when the language was declared, not detected
    model: str = ""


def segment_confidence(avg_logprob: float, no_speech_prob: float) -> float:
    value = math.exp(min(avg_logprob, 0.0)) * (1.0 - min(max(no_speech_prob, 0.0), 1.0))
    return min(max(value, 0.0), 1.0)


def transcribe(opener: Callable[[], IO[bytes]], options: ExtractOptions, *, name: str = "") -> Iterator[Segment]:
    """Timed segments of the speech in a media file (audio, or a video's soundtrack).

    Raw PCM is read when `name` ends in .pcm/.raw, with `options.pcm_format`. Raises
    ExtractionError: `corrupt_media`, `truncated_media`, `too_long`, `no_audio_stream`,
    `pcm_format_missing`, and `no_speech` (after the whole file was read) when nothing was said.
    """
    require_asr()
    pcm = pcm_format_for(name, options.pcm_format)
    info = probe(opener, pcm, options.limits)
    choice = choose_model(options)
    model = load_model(choice)
    fixed = _declared_language(bool(model.model.is_multilingual), options.languages)
    found = 0
    for offset, chunk in decode_chunks(opener, pcm, options.limits):
        if len(chunk) == 0 or float(np.max(frame_rms(chunk))) < SILENCE_RMS:
            continue
        for segment in _transcribe_chunk(model, choice, chunk, fixed, options.languages):
            segment.start = round(min(offset + segment.start, info.seconds or math.inf), 3)
            segment.end = round(min(offset + segment.end, info.seconds or math.inf), 3)
            found += 1
            yield segment
    if not found:
        raise ExtractionError("no_speech", f"no speech was found in {info.seconds:.1f} s of audio")


def _declared_language(multilingual: bool, declared: tuple[str, ...]) -> str | None:
    if not multilingual:
        return "en"
    usable = {lang.lower() for lang in declared} & WHISPER_LANGUAGES
    return usable.pop() if len(usable) == 1 else None


def _transcribe_chunk(
    model: Any, choice: ModelChoice, chunk: np.ndarray, fixed: str | None, declared: tuple[str, ...]
) -> Iterator[Segment]:
    language, probability = fixed, 1.0
    candidates = {lang.lower() for lang in declared} & WHISPER_LANGUAGES
    if language is None and len(candidates) > 1:
        # several declared languages: whisper's detection, restricted to those
        _, _, ranked = model.detect_language(chunk, vad_filter=True)
        allowed = [(lang, p) for lang, p in ranked if lang in candidates]
        if allowed:
            language, probability = max(allowed, key=lambda lp: lp[1])
    segments, info = model.transcribe(
        chunk,
        language=language,
        beam_size=BEAM_SIZE,
        condition_on_previous_text=False,
        vad_filter=True,
    )
    if language is None:
        language, probability = info.language, info.language_probability
    for s in segments:
        text = s.text.strip()
        if text:
            confidence = segment_confidence(s.avg_logprob, s.no_speech_prob)
            yield Segment(float(s.start), float(s.end), text, confidence, language, float(probability), choice.name)
