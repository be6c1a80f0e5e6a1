"""Speech transcription throughput: audio seconds per wall-clock second, 1 and 2 worker processes.

The corpus is the real speech of the shared evaluation set (`evaldata/speech`, all clips) joined
into longer recordings with ffmpeg: each recording is the clips one after the other, with 1 s of
silence between them, repeated to about `--seconds` seconds, so whisper sees 30 s windows full of
speech as it would in a lecture or a call. Each worker process is a separate Python process that
loads the model once (one CPU thread, int8) and transcribes its share of the files through
`dataharbor.ingest.asr.transcribe`, as the process-pool executor does. Model loading is timed
separately and not counted.

    .venv/bin/python bench/asr_throughput.py                      # default model (base), 4 files of ~120 s
    .venv/bin/python bench/asr_throughput.py --model tiny.en
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import multiprocessing as mp
import platform
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from dataharbor.evaldata import evaldata_dir

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "asr-throughput.json"


def build_corpus(folder: Path, files: int, seconds: float) -> list[Path]:
    speech = evaldata_dir() / "speech"
    with (speech / "manifest.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    parts: list[Path] = []
    for i, row in enumerate(rows):
        src, out = speech / row["path"], folder / f"part{i:02}.wav"
        fmt = ["-f", "s16le", "-ar", "16000", "-ac", "1"] if src.suffix == ".raw" else []
        _ffmpeg(*fmt, "-i", str(src), "-af", "apad=pad_dur=1", "-ar", "16000", "-ac", "1", str(out))
        parts.append(out)
    listing = folder / "list.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in parts), "utf-8")
    one = folder / "all.wav"
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), str(one))
    corpus = []
    for i in range(files):
        out = folder / f"talk{i}.flac"
        _ffmpeg("-stream_loop", "-1", "-i", str(one), "-t", str(seconds), str(out))
        corpus.append(out)
    return corpus


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


def _worker(paths: list[str], model: str, queue: Any) -> None:
    from dataharbor.ingest.asr import transcribe
    from dataharbor.ingest.asr.models import choose_model, load_model
    from dataharbor.ingest.extractor import ExtractOptions

    options = ExtractOptions(languages=("en",), asr_model=model)
    started = time.perf_counter()
    load_model(choose_model(options))
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    words = 0
    for path in paths:
        p = Path(path)
        words += sum(len(s.text.split()) for s in transcribe(lambda p=p: p.open("rb"), options, name=p.name))
    queue.put({"load_s": loaded, "work_s": time.perf_counter() - started, "words": words})


def run(corpus: list[Path], seconds: float, workers: int, model: str) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    shares = [[str(p) for p in corpus[i::workers]] for i in range(workers)]
    procs = [ctx.Process(target=_worker, args=(share, model, queue)) for share in shares]
    for proc in procs:
        proc.start()
    results = [queue.get() for _ in procs]
    for proc in procs:
        proc.join()
    wall = max(r["work_s"] for r in results)  # every worker starts once its model is loaded
    audio = seconds * len(corpus)
    return {
        "workers": workers,
        "audio_s": round(audio, 1),
        "wall_s": round(wall, 1),
        "audio_s_per_wall_s": round(audio / wall, 2),
        "model_load_s": round(max(r["load_s"] for r in results), 2),
        "words": sum(r["words"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--model", default="", help="asr_model (default: the shipped default, base)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = build_corpus(Path(tmp), args.files, args.seconds)
        runs = []
        for workers in (1, 2):
            result = run(corpus, args.seconds, workers, args.model)
            print(json.dumps(result), flush=True)
            runs.append(result)
    if args.no_write:
        return
    payload = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()} {platform.system()}, {mp.cpu_count()} cores",
        "python": platform.python_version(),
        "model": args.model or "base",
        "files": args.files,
        "seconds_per_file": args.seconds,
        "runs": runs,
    }
    if OUT.exists() and args.model:  # a variant is added beside the default's figures
        previous = json.loads(OUT.read_text("utf-8"))
        previous.setdefault("variants", {})[args.model] = payload
        payload = previous
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, indent=1) + "\n", "utf-8")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
