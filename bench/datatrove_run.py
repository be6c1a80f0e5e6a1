"""datatrove's nearest equivalent chain over the benchmark corpus; runs inside datatrove's own venv.

    bench/work/datatrove-venv/bin/python bench/datatrove_run.py CORPUS_DIR OUT_DIR [--workers 2]

Stage 1 (filters): JsonlReader -> Gopher repetition -> Gopher quality -> C4 quality -> FineWeb quality ->
PIIFormatter (emails, public IPs) -> JsonlWriter, then MinHash signatures of what was kept. Stages 2-4:
MinHash buckets, clustering (one task, as datatrove runs it), and the filter that writes the final set.
Filters run with each page's own language (datatrove's fastText language filter needs a model download,
impossible offline here, so the corpus's `language` field stands in for it — a head start for datatrove):
a small dispatcher holds one instance of each filter per language. Gopher quality gets a stop-word list
per language (its default list is English). Prints one JSON line: per-stage wall seconds, datatrove's
own per-step times, and the ids kept after filtering and after dedup.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datatrove.data import Document
from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.filters import (
    C4QualityFilter,
    FineWebQualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.formatters import PIIFormatter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.typeshelper import Languages

LANGS = {"en": Languages.english, "fr": Languages.french, "de": Languages.german, "es": Languages.spanish}
# Gopher's "at least 2 of these" stop-word rule, per language (its default list is English)
STOP_WORDS = {
    "en": ["the", "be", "to", "of", "and", "that", "have", "with"],
    "fr": ["le", "la", "de", "et", "les", "des", "un", "une"],
    "de": ["der", "die", "und", "das", "ist", "zu", "den", "mit"],
    "es": ["el", "la", "de", "que", "y", "en", "los", "las"],
}


class ByLanguage(BaseFilter):
    """One instance of a datatrove filter per language; each page goes to its language's instance."""

    def __init__(self, name: str, make: Callable[[str], BaseFilter]) -> None:
        self.name = name  # before the base class names its stats after it
        super().__init__()
        self.filters = {code: make(code) for code in LANGS}

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        return self.filters.get(doc.metadata.get("language", "en"), self.filters["en"]).filter(doc)


def filters() -> list[BaseFilter]:
    return [
        ByLanguage("gopher_repetition", lambda c: GopherRepetitionFilter(language=LANGS[c])),
        ByLanguage("gopher_quality", lambda c: GopherQualityFilter(language=LANGS[c], stop_words=STOP_WORDS[c])),
        ByLanguage("c4_quality", lambda c: C4QualityFilter(language=LANGS[c])),
        ByLanguage("fineweb_quality", lambda c: FineWebQualityFilter(language=LANGS[c])),
    ]


def _run(name: str, executor: LocalPipelineExecutor, timings: dict[str, float]) -> None:
    # wall only: datatrove's pool workers are children of a fork server, so this process's rusage misses
    # them; the caller measures CPU over the whole run
    wall = time.perf_counter()
    executor.run()
    timings[name] = round(time.perf_counter() - wall, 2)


def _ids(folder: Path) -> list[str]:
    import gzip

    ids = []
    for f in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            ids += [json.loads(line)["id"] for line in fh]
    return ids


def _texts(folder: Path, wanted: set[str]) -> dict[str, str]:
    import gzip

    out = {}
    for f in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(f, "rt", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row["id"] in wanted:
                    out[row["id"]] = row["text"]
    return out


def _step_times(logs: Path) -> dict[str, float]:
    """datatrove's own per-step time (seconds, summed over tasks) from its stats.json."""
    stats = json.loads((logs / "stats.json").read_text())
    return {s["name"]: round(s.get("time_stats", {}).get("total", 0.0), 2) for s in stats}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pii-ids", type=Path, help="file of ids whose final text to report (PII recall)")
    args = ap.parse_args()
    out: Path = args.out
    shutil.rmtree(out, ignore_errors=True)
    w = args.workers
    files = sorted(args.corpus.glob("part-*.jsonl"))
    tasks = max(w, len(files))
    cfg = MinhashConfig()  # datatrove's defaults: 5-grams, 14 buckets x 8 hashes
    reader = JsonlReader(str(args.corpus), glob_pattern="part-*.jsonl", id_key="id", text_key="text")
    timings: dict[str, float] = {}
    stage1 = [
        reader,
        *filters(),
        PIIFormatter(),
        JsonlWriter(str(out / "filtered")),
        MinhashDedupSignature(output_folder=str(out / "signatures"), config=cfg),
    ]
    _run(
        "filters+pii+signatures",
        LocalPipelineExecutor(stage1, tasks=tasks, workers=w, logging_dir=str(out / "logs1")),
        timings,
    )
    _run(
        "buckets",
        LocalPipelineExecutor(
            [MinhashDedupBuckets(input_folder=str(out / "signatures"), output_folder=str(out / "buckets"), config=cfg)],
            tasks=cfg.num_buckets,
            workers=w,
            logging_dir=str(out / "logs2"),
        ),
        timings,
    )
    _run(
        "cluster",
        LocalPipelineExecutor(
            [MinhashDedupCluster(input_folder=str(out / "buckets"), output_folder=str(out / "remove_ids"), config=cfg)],
            tasks=1,
            workers=1,
            logging_dir=str(out / "logs3"),
        ),
        timings,
    )
    stage4 = [
        JsonlReader(str(out / "filtered"), glob_pattern="*.jsonl.gz", compression="gzip"),
        MinhashDedupFilter(input_folder=str(out / "remove_ids")),
        JsonlWriter(str(out / "final")),
    ]
    _run("dedup_filter", LocalPipelineExecutor(stage4, tasks=tasks, workers=w, logging_dir=str(out / "logs4")), timings)
    final = _ids(out / "final")
    result: dict[str, Any] = {
        "stage_wall_s": timings,
        "step_times_s": _step_times(out / "logs1") | _step_times(out / "logs4"),
        "after_filters": _ids(out / "filtered"),
        "final": final,
    }
    if args.pii_ids:
        result["pii_texts"] = _texts(out / "final", set(args.pii_ids.read_text().split()))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
