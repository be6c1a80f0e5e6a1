"""Video: a clip made here by muxing synthetic speech with two title cards yields both the transcript and the
on-screen text, each with the right time span; broken and silent videos are recorded, not crashed on."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dataharbor.ingest.extractor import Extracted, ExtractOptions, Limits
from dataharbor.ingest.walk import MemberFailure, source_from_bytes, source_from_path, walk

pytestmark = pytest.mark.skipif(
    not (shutil.which("ffmpeg") and shutil.which("espeak-ng")), reason="needs Debian ffmpeg and espeak-ng"
)

SPEECH = "The library opens a new reading room for students in the spring."
CARD_A = "WELCOME TO THE CITY LIBRARY"
CARD_B = "OPENING HOURS MONDAY TO SATURDAY"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def _card(path: Path, text: str) -> None:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (960, 360), (20, 30, 60))
    ImageDraw.Draw(image).text((40, 150), text, font=ImageFont.truetype(FONT, 30), fill=(255, 255, 255))
    image.save(path)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("video")
    _card(d / "a.png", CARD_A)
    _card(d / "b.png", CARD_B)
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(d / "speech.wav"), SPEECH], check=True)
    cards = ["-loop", "1", "-t", "3", "-i", str(d / "a.png"), "-loop", "1", "-t", "3", "-i", str(d / "b.png")]
    concat = "[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]"
    _ffmpeg(*cards, "-i", str(d / "speech.wav"), "-filter_complex", concat, "-map", "[v]", "-map", "2:a",
            "-r", "5", "-c:v", "libx264", "-c:a", "aac", str(d / "talk.mp4"))  # fmt: skip
    _ffmpeg(*cards, "-filter_complex", concat, "-map", "[v]", "-r", "5", "-c:v", "libvpx", "-b:v", "300k",
            str(d / "silent.webm"))  # fmt: skip
    data = (d / "talk.mp4").read_bytes()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 3])
    return {p.stem: p for p in d.iterdir()}


def _walk(path: Path, options: ExtractOptions | None = None) -> tuple[list[Extracted], list[MemberFailure]]:
    out = list(walk(source_from_path(path), options or ExtractOptions(languages=("en",))))
    return [x for x in out if isinstance(x, Extracted)], [x for x in out if isinstance(x, MemberFailure)]


def _words(text: str) -> set[str]:
    return {w.strip(".,").lower() for w in text.split()}


@pytest.mark.slow
def test_video_yields_transcript_and_on_screen_text_with_time_spans(clips: dict[str, Path]) -> None:
    pieces, problems = _walk(clips["talk"])
    assert not [p for p in problems if p.fatal], problems
    audio = [p for p in pieces if p.location.get("track") == "audio"]
    frames = [p for p in pieces if p.location.get("track") == "frames"]
    assert all(p.modality == "video" and p.extractor == "video" for p in pieces)
    heard = " ".join(p.text for p in audio)
    assert len(_words(SPEECH) & _words(heard)) >= 0.8 * len(_words(SPEECH)), heard
    assert all(0 <= p.location["start"] < p.location["end"] <= 6.5 for p in audio)
    assert all(0 < p.metadata["asr"]["confidence"] <= 1 for p in audio)
    # two title cards, in order, each with its own span: about 0-3 s and 3-6.4 s; frames are sampled every
    # second, so a change is placed within one second of where it happens
    assert [p.text for p in frames] == [CARD_A, CARD_B]
    (a, b) = frames
    assert a.location["start"] == 0 and 3 <= a.location["end"] <= 4.5
    assert 3 <= b.location["start"] <= 4.5 and 6 <= b.location["end"] <= 6.5
    assert all(p.metadata["ocr"]["confidence"] > 0.6 and p.metadata["phash"] for p in frames)


@pytest.mark.slow
def test_video_without_soundtrack_still_yields_its_on_screen_text(clips: dict[str, Path]) -> None:
    pieces, problems = _walk(clips["silent"])
    assert [p.text for p in pieces] == [CARD_A, CARD_B]
    assert [p.reason for p in problems] == ["no_audio_stream"]
    assert not problems[0].fatal


def test_truncated_and_fake_videos_are_recorded_failures(clips: dict[str, Path]) -> None:
    _, problems = _walk(clips["truncated"])
    assert any(p.fatal for p in problems), problems
    assert {p.reason for p in problems if p.fatal} <= {"corrupt_media", "truncated_media"}
    # an MP4 header followed by junk
    fake = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x17" * 5000
    out = list(walk(source_from_bytes("clip.mp4", fake), ExtractOptions()))
    assert [x for x in out if isinstance(x, MemberFailure) and x.fatal], out


def test_video_longer_than_the_limit_is_refused_before_decoding(clips: dict[str, Path]) -> None:
    options = ExtractOptions(languages=("en",), limits=Limits(max_media_seconds=2))
    pieces, problems = _walk(clips["talk"], options)
    assert pieces == []
    assert [(p.reason, p.fatal) for p in problems] == [("too_long", True)]


def test_missing_media_extra_fails_videos_with_the_install_hint(
    clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # import faster_whisper now fails
    pieces, problems = _walk(clips["talk"])
    assert pieces == []
    assert [(p.reason, p.fatal) for p in problems] == [("missing_extra:media", True)]
    assert "pip install 'dataharbor[media]'" in problems[0].detail
