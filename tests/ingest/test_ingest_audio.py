"""Audio files through the walker: detection, transcript passages with time spans and confidence, and
every kind of bad input recorded with its reason (never a crash)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dataharbor.ingest.asr import Segment, word_error_rate
from dataharbor.ingest.detect import detect_type
from dataharbor.ingest.extractor import Extracted, ExtractOptions, registered_types
from dataharbor.ingest.extractors.audio import PASSAGE_SECONDS, _breaks, _passage
from dataharbor.ingest.walk import MemberFailure, source_from_bytes, source_from_path, walk

SENTENCE = "Please send the quarterly report to the research team before Friday morning."  # what speech_clips say
FAST = ExtractOptions(languages=("en",), asr_model="tiny.en")  # the quick English model: tests stay fast


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, speech_clips: dict[str, Path]) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("audio")
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "30", str(d / "silence.wav"))
    shutil.copyfile(speech_clips["speech.mp3"], d / "mislabelled.wav")  # MP3 bytes behind a .wav name
    data = speech_clips["speech.flac"].read_bytes()
    (d / "truncated.flac").write_bytes(data[: len(data) // 3])
    return {**speech_clips, **{p.name: p for p in d.iterdir()}}


def _walk(path: Path, options: ExtractOptions = FAST) -> tuple[list[Extracted], list[MemberFailure]]:
    out = list(walk(source_from_path(path), options))
    return [x for x in out if isinstance(x, Extracted)], [x for x in out if isinstance(x, MemberFailure)]


def test_audio_types_are_detected_and_registered() -> None:
    assert detect_type(b"FORM\x00\x03\xa4\x82AIFFCOMM\x00\x00\x00\x12", "x.aiff") == "audio/aiff"
    assert detect_type(b"FORM\x00\x03\xa4\x82AIFCFVER", "x.aifc") == "audio/aiff"
    pcm = bytes(range(256)) * 16
    assert detect_type(pcm, "call.raw") == "audio/pcm" and detect_type(pcm, "call.pcm") == "audio/pcm"
    assert detect_type(pcm, "call.bin") == "binary"
    assert detect_type(b"just some notes\n", "notes.raw") == "text"  # text stays text, whatever its name
    types = registered_types()
    for t in ("audio/wav", "audio/flac", "audio/mpeg", "audio/ogg", "audio/mp4", "audio/aiff", "audio/pcm"):
        assert types[t] == "audio"


def test_wav_becomes_a_timed_passage_with_confidence(clips: dict[str, Path]) -> None:
    pieces, problems = _walk(clips["speech.wav"])
    assert problems == []
    assert len(pieces) == 1
    (piece,) = pieces
    assert piece.modality == "audio" and piece.extractor == "audio"
    assert word_error_rate(SENTENCE, piece.text) <= 0.15, piece.text
    assert 0 <= piece.location["start"] < piece.location["end"] <= 5.5
    assert piece.location["start"] == round(piece.location["start"], 2)
    asr = piece.metadata["asr"]
    assert asr["model"] == "tiny.en" and asr["language"] == "en" and asr["language_probability"] == 1.0
    assert 0.2 < asr["confidence"] <= 1
    spans = asr["segments"]
    assert spans and all(s <= e and 0 < c <= 1 for s, e, c in spans)
    assert spans[0][0] == piece.location["start"] and spans[-1][1] == piece.location["end"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["speech.flac", "speech.mp3", "speech.ogg", "speech.m4a", "speech.aiff"])
def test_every_audio_format_is_transcribed(clips: dict[str, Path], name: str) -> None:
    pieces, problems = _walk(clips[name])
    assert problems == [] and pieces
    assert word_error_rate(SENTENCE, " ".join(p.text for p in pieces)) <= 0.15


def test_raw_pcm_needs_its_declared_format(clips: dict[str, Path]) -> None:
    pieces, problems = _walk(clips["speech.raw"])
    assert pieces == [] and [(p.reason, p.fatal, p.detected_type) for p in problems] == [
        ("pcm_format_missing", True, "audio/pcm")
    ]
    options = ExtractOptions(languages=("en",), asr_model="tiny.en", pcm_format="s16le:16000:1")
    pieces, problems = _walk(clips["speech.raw"], options)
    assert problems == []
    assert word_error_rate(SENTENCE, " ".join(p.text for p in pieces)) <= 0.15


def test_silence_is_a_non_fatal_no_speech_problem(clips: dict[str, Path]) -> None:
    pieces, problems = _walk(clips["silence.wav"])
    assert pieces == []
    assert [(p.reason, p.fatal) for p in problems] == [("no_speech", False)]


def test_truncated_and_mismatching_content_are_recorded(clips: dict[str, Path]) -> None:
    _, problems = _walk(clips["truncated.flac"])
    assert [(p.reason, p.fatal) for p in problems] == [("truncated_media", True)]
    # the content decides: MP3 bytes named .wav are read as MP3
    pieces, problems = _walk(clips["mislabelled.wav"])
    assert problems == [] and word_error_rate(SENTENCE, pieces[0].text) <= 0.15
    # a WAV header over bytes that are not audio
    junk = b"RIFF\x24\x00\x01\x00WAVEfmt " + bytes(range(256)) * 64
    out = list(walk(source_from_bytes("voice.wav", junk), FAST))
    assert [(p.reason, p.fatal) for p in out if isinstance(p, MemberFailure)] in (
        [("corrupt_media", True)],
        [("no_audio_stream", True)],
    )
    # text named .mp3 is read as text
    (piece,) = list(walk(source_from_bytes("voice.mp3", b"minutes of the meeting\n"), FAST))
    assert isinstance(piece, Extracted) and piece.extractor == "text"


def test_too_long_is_refused_from_the_header(clips: dict[str, Path]) -> None:
    from dataharbor.ingest.extractor import Limits

    _, problems = _walk(clips["silence.wav"], ExtractOptions(limits=Limits(max_media_seconds=10)))
    assert [(p.reason, p.fatal) for p in problems] == [("too_long", True)]
    assert "30 s" in problems[0].detail


def test_missing_media_extra_is_a_clear_failure(clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # import faster_whisper now fails
    _, problems = _walk(clips["speech.wav"])
    assert [(p.reason, p.fatal) for p in problems] == [("missing_extra:media", True)]
    assert "pip install 'dataharbor[media]'" in problems[0].detail


def _seg(start: float, end: float, text: str = "words", confidence: float = 0.8, language: str = "en") -> Segment:
    return Segment(start, end, text, confidence, language, 1.0, "base")


def test_passages_break_at_segment_boundaries() -> None:
    group = [_seg(0, 20), _seg(20, 40), _seg(40, 59)]
    assert not _breaks(group, _seg(59, 60))
    assert _breaks(group, _seg(59, PASSAGE_SECONDS + 0.5))  # would run past 60 s
    assert _breaks(group, _seg(66, 67))  # a pause longer than 5 s
    assert _breaks(group, _seg(59, 60, "x" * 1500))  # too many characters
    assert _breaks(group, _seg(59, 60, language="fr"))
    passage = _passage([_seg(1.234, 3.0, "a", 0.9), _seg(3.0, 9.0, "b", 0.5)])
    assert passage.text == "a b" and passage.location == {"start": 1.23, "end": 9.0}
    # duration-weighted: 1.766 s at 0.9 and 6 s at 0.5
    assert passage.metadata["asr"]["confidence"] == pytest.approx((1.766 * 0.9 + 6 * 0.5) / 7.766, abs=1e-4)
    assert passage.metadata["asr"]["segments"] == [[1.23, 3.0, 0.9], [3.0, 9.0, 0.5]]
