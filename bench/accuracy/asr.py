"""Word error rate of speech transcription on the shared speech set (`evaldata/speech/manifest.tsv`).

Every clip goes through `dataharbor.ingest.asr.transcribe`, the code path of an upload, under two
scenarios: the dataset *declares* the clip's language (the shipped base model, told the language)
and *undeclared* (base, language detected). Text is normalised on both sides by
`dataharbor.ingest.asr.normalize` (case, punctuation, hyphens, numbers spelled out, "Mr." ->
"mister"); Chinese is scored per character (a character error rate).

The set is small (13 English clips), and the decoding settings were chosen on it, so the English
clips are also reported in two fixed halves: *tune* (even rows, the only ones looked at while
choosing) and *held-out* (odd rows). Errors are pooled (sum of edits / sum of reference words).

    .venv/bin/python bench/accuracy/asr.py                 # both scenarios, shipped settings
    .venv/bin/python bench/accuracy/asr.py --beam 1        # a variant (not written to results)
    .venv/bin/python bench/accuracy/asr.py --english-model tiny.en
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib
import json
import platform
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from dataharbor.evaldata import evaldata_dir
from dataharbor.ingest.asr.normalize import edit_distance, normalize, tokens
from dataharbor.ingest.asr.transcribe import transcribe
from dataharbor.ingest.extractor import ExtractionError, ExtractOptions

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "bench" / "results" / "accuracy-asr.json"


def load_manifest() -> list[dict[str, str]]:
    folder = evaldata_dir() / "speech"
    with (folder / "manifest.tsv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for i, row in enumerate(rows):
        row["file"] = str(folder / row["path"])
        row["split"] = ("tune" if i % 2 == 0 else "held-out") if row["lang"] == "en" else "other"
    return rows


def run_clip(row: dict[str, str], languages: tuple[str, ...], english_model: str) -> dict[str, Any]:
    path = Path(row["file"])
    model = english_model if languages == ("en",) else ""  # the shipped tiny.en by name, as a variant
    options = ExtractOptions(languages=languages, pcm_format="s16le:16000:1", asr_model=model)
    started = time.perf_counter()
    try:
        segments = list(transcribe(lambda: path.open("rb"), options, name=path.name))
        error = ""
    except ExtractionError as exc:
        segments, error = [], exc.reason
    wall = time.perf_counter() - started
    hyp = " ".join(s.text for s in segments)
    lang = row["lang"]
    ref_t, hyp_t = tokens(row["reference"], lang), tokens(hyp, lang)
    return {
        "path": row["path"],
        "lang": lang,
        "split": row["split"],
        "reference": normalize(row["reference"], lang),
        "hypothesis": normalize(hyp, lang),
        "raw": hyp,
        "detected": segments[0].language if segments else "",
        "model": segments[0].model if segments else "",
        "edits": edit_distance(ref_t, hyp_t),
        "ref_units": len(ref_t),
        "confidence": round(sum(s.confidence for s in segments) / len(segments), 3) if segments else None,
        "error": error,
        "wall_s": round(wall, 2),
    }


def summarise(clips: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in clips:
        groups[c["lang"]].append(c)
        if c["lang"] == "en":
            groups[f"en/{c['split']}"].append(c)
    out: dict[str, Any] = {}
    for key, items in sorted(groups.items()):
        edits, units = sum(c["edits"] for c in items), sum(c["ref_units"] for c in items)
        metric = "cer" if key == "zh" else "wer"
        out[key] = {
            metric: round(edits / max(units, 1), 4),
            "clips": len(items),
            "ref_units": units,
            "language_ok": sum(c["detected"] == c["lang"] for c in items),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--beam", type=int, default=0, help="beam size variant (default: the shipped one)")
    parser.add_argument("--english-model", default="", choices=["", "tiny.en"], help="variant: tiny.en for English")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.beam:
        module = importlib.import_module("dataharbor.ingest.asr.transcribe")

        module.BEAM_SIZE = args.beam
    rows = load_manifest()
    results: dict[str, Any] = {}
    for scenario in ("declared", "undeclared"):
        clips = []
        for row in rows:
            languages = (row["lang"],) if scenario == "declared" else ()
            clip = run_clip(row, languages, args.english_model)
            clips.append(clip)
            print(
                f"{scenario:10} {clip['edits']:2}/{clip['ref_units']:<3} {clip['model']:8} {clip['detected']:3} "
                f"{clip['wall_s']:5.2f}s  {clip['hypothesis']!r}",
                flush=True,
            )
        results[scenario] = {"summary": summarise(clips), "clips": clips}
        print(scenario, json.dumps(results[scenario]["summary"], indent=1))
    if args.no_write or args.beam or args.english_model:
        return
    shipped = importlib.import_module("dataharbor.ingest.asr.transcribe")

    OUT.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()} {platform.system()}, Python {platform.python_version()}",
        "beam_size": shipped.BEAM_SIZE,
        **results,
    }
    OUT.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", "utf-8")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
