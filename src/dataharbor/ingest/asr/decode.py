"""Reading audio with PyAV: header duration, a cheap integrity pass, and streaming decode in chunks.

Any container FFmpeg reads works (WAV, FLAC, MP3, OGG/Opus, M4A/AAC, AIFF, and the audio track of
MP4/MKV/WebM/MOV); headerless PCM is read with the declared `<format>:<rate>:<channels>`.

1. `probe` refuses a file before any decoding: unreadable container (`corrupt_media`), no audio
   stream (`no_audio_stream`), a header duration above the limit (`too_long`). It then demuxes the
   packets *without decoding them* (fast: no codec work) to measure the real length: a file that
   ends well before its header says, or whose packets stop with a read error, is `truncated_media`.
2. `decode_chunks` decodes to 16 kHz mono float32 and yields chunks of about `CHUNK_SECONDS`, each
   cut at the quietest 0.1 s of its last `CUT_WINDOW` seconds, with its offset in the file: a
   two-hour file never holds more than one chunk (~15 MB) of decoded audio.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import IO, Any

import numpy as np

from dataharbor.ingest.extractor import ExtractionError, Limits
from dataharbor.ingest.extractors._common import file_extension, seekable

SAMPLE_RATE = 16_000
CHUNK_SECONDS = 240.0
CUT_WINDOW = 30.0  # a chunk is cut at the quietest moment of its last 30 s
FRAME = SAMPLE_RATE // 10  # 0.1 s analysis frames
MAX_BAD_PACKETS = 50  # undecodable packets skipped (a click in the audio) before giving up
PCM_EXTENSIONS = (".pcm", ".raw")

Opener = Callable[[], IO[bytes]]


@dataclass(frozen=True, slots=True)
class PcmFormat:
    sample_format: str  # FFmpeg raw demuxer name: s16le, f32le, ...
    rate: int
    channels: int


@dataclass(frozen=True, slots=True)
class MediaInfo:
    header_seconds: float | None  # what the container declares (None when it does not say)
    seconds: float  # what the packets really cover
    codec: str
    sample_rate: int
    channels: int


def pcm_format_for(name: str, spec: str) -> PcmFormat | None:
    """The declared raw PCM format when `name` is a .pcm/.raw file; an error when none is declared."""
    if file_extension(name) not in PCM_EXTENSIONS:
        return None
    if not spec:
        raise ExtractionError(
            "pcm_format_missing", "raw PCM has no header: declare its format, e.g. --pcm-format s16le:16000:1"
        )
    from dataharbor.errors import InvalidInput
    from dataharbor.ingest.upload import parse_pcm_format

    try:
        fmt, rate, channels, _ = parse_pcm_format(spec)
    except InvalidInput as exc:
        raise ExtractionError("bad_pcm_format", str(exc)) from exc
    return PcmFormat(fmt, rate, channels)


@contextlib.contextmanager
def open_container(opener: Opener, pcm: PcmFormat | None, limits: Limits) -> Iterator[Any]:
    """An open PyAV input container (closed afterwards); unreadable media is `corrupt_media`."""
    import av

    with opener() as raw, seekable(raw, limits.max_member_bytes) as fh:
        kwargs: dict[str, Any] = {}
        if pcm is not None:
            kwargs = {
                "format": pcm.sample_format,
                "options": {"sample_rate": str(pcm.rate), "ch_layout": f"{pcm.channels}c"},
            }
        try:
            container = av.open(fh, mode="r", **kwargs)
        except (av.error.FFmpegError, ValueError, EOFError, OSError) as exc:
            raise ExtractionError("corrupt_media", f"the media cannot be opened: {exc}") from exc
        try:
            yield container
        finally:
            container.close()


def audio_stream(container: Any) -> Any:
    streams = [s for s in container.streams if s.type == "audio"]
    if not streams:
        raise ExtractionError("no_audio_stream", "the file has no audio track")
    return streams[0]


def header_seconds(container: Any, stream: Any) -> float | None:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None and container.duration > 0:
        return float(container.duration) / 1_000_000
    return None


def media_duration(opener: Opener) -> float | None:
    """Seconds of media the container header declares; None when unknown or unreadable."""
    import av

    try:
        with opener() as raw, seekable(raw, Limits().max_member_bytes) as fh, av.open(fh, mode="r") as container:
            if container.duration is not None and container.duration > 0:
                return float(container.duration) / 1_000_000
            spans = [(s.duration, s.time_base) for s in container.streams]
            return max((float(d * t) for d, t in spans if d is not None and t is not None), default=None)
    except (av.error.FFmpegError, ValueError, EOFError, OSError, ExtractionError):
        return None


def _too_long(seconds: float, limits: Limits) -> ExtractionError:
    return ExtractionError("too_long", f"{seconds:.0f} s of audio; the limit is {limits.max_media_seconds:.0f} s")


def probe(opener: Opener, pcm: PcmFormat | None, limits: Limits) -> MediaInfo:
    """Check a file before decoding it (see the module docstring); return what it holds."""
    import av

    with open_container(opener, pcm, limits) as container:
        stream = audio_stream(container)
        declared = header_seconds(container, stream)
        if declared is not None and declared > limits.max_media_seconds:
            raise _too_long(declared, limits)
        base = Fraction(stream.time_base) if stream.time_base else Fraction(1, max(stream.rate or 1, 1))
        start = end = None
        try:
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                start = packet.pts if start is None else min(start, packet.pts)
                end = max(end or packet.pts, packet.pts + (packet.duration or 0))
                if float((end - start) * base) > limits.max_media_seconds:
                    raise _too_long(float((end - start) * base), limits)
        except av.error.FFmpegError as exc:
            seconds = float((end - start) * base) if start is not None and end is not None else 0.0
            if declared is not None and seconds < declared:
                raise ExtractionError(
                    "truncated_media", f"the data stops at {seconds:.1f} s of {declared:.1f} s"
                ) from exc
            raise ExtractionError("corrupt_media", f"unreadable audio data: {exc}") from exc
        seconds = float((end - start) * base) if start is not None and end is not None else 0.0
        if declared is not None and seconds < 0.98 * declared - 0.5:
            raise ExtractionError("truncated_media", f"the data stops at {seconds:.1f} s of {declared:.1f} s")
        info = MediaInfo(declared, seconds, stream.codec_context.name, stream.rate or 0, stream.channels or 0)
    if info.codec.startswith("pcm_") and pcm is None:
        _check_wav_data_size(opener)
    return info


def _check_wav_data_size(opener: Opener) -> None:
    """FFmpeg reads a cut WAV as a shorter file; its `data` chunk still says how long it was."""
    with opener() as fh:
        head = fh.read(64 * 1024)
        if not head.startswith(b"RIFF") or head[8:12] != b"WAVE":
            return
        pos = 12
        while pos + 8 <= len(head):
            chunk, size = head[pos : pos + 4], int.from_bytes(head[pos + 4 : pos + 8], "little")
            if chunk == b"data":
                if size in (0, 0xFFFFFFFF):
                    return  # written by a streaming recorder that never went back to fill it in
                expected = pos + 8 + size
                try:
                    actual = fh.seek(0, io.SEEK_END)
                except (OSError, ValueError):
                    return
                if actual < expected - 1:
                    raise ExtractionError(
                        "truncated_media", f"the WAV data chunk declares {size} bytes; {actual - pos - 8} are present"
                    )
                return
            pos += 8 + size + (size & 1)


def frame_rms(audio: np.ndarray) -> np.ndarray:
    """Root-mean-square level of each 0.1 s frame (the tail shorter than a frame is left out)."""
    n = len(audio) // FRAME
    if n == 0:
        frames = audio.reshape(1, -1) if len(audio) else np.zeros((0, 1), np.float32)
    else:
        frames = audio[: n * FRAME].reshape(n, FRAME)
    rms: np.ndarray = np.sqrt(np.mean(np.square(frames), axis=1))
    return rms


def _cut_point(buffer: np.ndarray) -> int:
    window = min(len(buffer) // 2, int(CUT_WINDOW * SAMPLE_RATE))
    start = len(buffer) - window
    rms = frame_rms(buffer[start:])
    return start + int(np.argmin(rms)) * FRAME + FRAME // 2 if len(rms) else len(buffer)


def decode_chunks(
    opener: Opener, pcm: PcmFormat | None, limits: Limits, chunk_seconds: float = CHUNK_SECONDS
) -> Iterator[tuple[float, np.ndarray]]:
    """(offset seconds, 16 kHz mono float32 samples) for consecutive chunks of the audio."""
    import av

    target = int(chunk_seconds * SAMPLE_RATE)
    limit = int(limits.max_media_seconds * SAMPLE_RATE)
    with open_container(opener, pcm, limits) as container:
        stream = audio_stream(container)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        pieces: list[np.ndarray] = []
        buffered = offset = bad = 0
        for frame in _frames(container, stream):
            if frame is None:
                bad += 1
                if bad > MAX_BAD_PACKETS:
                    raise ExtractionError("corrupt_media", f"more than {MAX_BAD_PACKETS} undecodable audio packets")
                continue
            for out in resampler.resample(frame):
                samples = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                pieces.append(samples)
                buffered += len(samples)
            if offset + buffered > limit:
                raise _too_long((offset + buffered) / SAMPLE_RATE, limits)
            if buffered >= target:
                buffer = np.concatenate(pieces)
                cut = _cut_point(buffer)
                yield offset / SAMPLE_RATE, buffer[:cut]
                offset += cut
                pieces, buffered = [buffer[cut:]], len(buffer) - cut
        for out in resampler.resample(None):
            pieces.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        if pieces and sum(len(p) for p in pieces):
            yield offset / SAMPLE_RATE, np.concatenate(pieces)


def _frames(container: Any, stream: Any) -> Iterator[Any]:
    """Decoded frames; None for each packet the codec rejects (skipped, counted by the caller)."""
    import av

    for packet in container.demux(stream):
        try:
            yield from packet.decode()
        except av.error.InvalidDataError:
            yield None
