"""CPU time of the `safety` stage (built-in model) on the benchmark corpus, and a dump of its scores to check that
two versions of the code score every text the same.

    .venv/bin/python bench/safety_speed.py [--docs 3000] [--repeat 3] [--src DIR]
    .venv/bin/python bench/safety_speed.py --dump FILE [--docs 3000] [--src DIR]
    .venv/bin/python bench/safety_speed.py --compare FILE_A FILE_B

Timing: the first `--docs` pages of `bench/work/corpus-1x` (in file order, as `bench/stage_cpu.py` reads them), one
`process` call per 256 pages, CPU-seconds (`time.process_time`), best of `--repeat`; every repeat builds a new stage,
so the window memory starts empty each time, as in a job.

`--src DIR` imports `dataharbor` from DIR instead, so an older version can be timed under the same load:
`git archive <rev> src | tar -x -C /tmp/old` then `--src /tmp/old/src`.

`--dump` writes, for the corpus pages, every HateCheck case, every Davidson tweet, the speech, UDHR, lingua and demo
texts that `bench/accuracy/safety.py` reads: the stage's annotation (batches of 256, as in a job) and the model's
`score` of each text alone, with the unrounded floats written exactly (`float.hex`). `--compare` prints every
difference between two dumps.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "work" / "corpus-1x"
BATCH = 256


def corpus_pages(docs: int) -> list[str]:
    from compare import corpus_texts  # type: ignore[import-not-found]

    texts = list(corpus_texts(CORPUS).values())
    if not texts:
        raise SystemExit(f"no corpus at {CORPUS}: build it with `.venv/bin/python bench/corpus.py`")
    return texts[:docs] if docs else texts


def _stage() -> Any:
    from dataharbor.pipeline.stage import StageContext
    from dataharbor.pipeline.stages.safety import SafetyStage

    stage = SafetyStage(StageContext())
    stage.ensure_setup()
    return stage


def _annotations(texts: list[str]) -> list[dict[str, Any]]:
    from dataharbor.domain.record import Provenance, Record

    prov = Provenance(source_sha256="0" * 64, source_name="bench", extractor="bench", extractor_version="0")
    records = [Record(id=str(i), text=t, provenance=prov) for i, t in enumerate(texts)]
    stage = _stage()
    for i in range(0, len(records), BATCH):
        stage.process(records[i : i + BATCH])
    return [r.annotations["safety"] for r in records]


def measure(args: argparse.Namespace) -> None:
    from dataharbor.domain.record import Provenance, Record

    texts = corpus_pages(args.docs)
    mb = sum(len(t.encode()) for t in texts) / 1e6
    prov = Provenance(source_sha256="0" * 64, source_name="bench", extractor="bench", extractor_version="0")
    best = float("inf")
    for _ in range(args.repeat):
        stage = _stage()
        records = [Record(id=str(i), text=t, provenance=prov) for i, t in enumerate(texts)]
        t0 = time.process_time()
        for i in range(0, len(records), BATCH):
            stage.process(records[i : i + BATCH])
        best = min(best, time.process_time() - t0)
    print(f"{len(texts)} pages {mb:.2f} MB: {best:.2f} CPU-s, {mb / best:.3f} MB per CPU-s (best of {args.repeat})")


def text_sets(docs: int) -> list[tuple[str, list[str]]]:
    """The corpus pages and every text `bench/accuracy/safety.py` scores."""
    sys.path.insert(0, str(HERE / "accuracy"))
    from safety import LANGS, UDHR_EVAL, clean_sentences, demo_records, speech_paragraphs, udhr_paragraphs

    from dataharbor.evaldata import evaldata_dir

    root = evaldata_dir() / "toxicity"
    with open(root / "hatecheck" / "test_suite_cases.csv", encoding="utf-8") as fh:
        hatecheck = [row["test_case"] for row in csv.DictReader(fh)]
    with open(root / "davidson_hate_offensive" / "labeled_data.csv", encoding="utf-8") as fh:
        davidson = [row["tweet"] for row in csv.DictReader(fh)]
    sets = [("corpus", corpus_pages(docs)), ("hatecheck", hatecheck), ("davidson", davidson)]
    for corpus in ("inaugural", "state_union"):
        paragraphs, whole = speech_paragraphs(corpus)
        sets += [(f"{corpus}_paragraphs", paragraphs), (f"{corpus}_whole", whole)]
    sets += [(f"udhr_{lang}", udhr_paragraphs(key)) for lang, key in UDHR_EVAL.items()]
    sets += [(f"lingua_{lang}", clean_sentences(lang)) for lang in LANGS]
    sets.append(("demo", [text for _, text in demo_records()]))
    return sets


def dump(args: argparse.Namespace) -> None:
    from dataharbor.pipeline.stages._safety_model import builtin_model

    model = builtin_model()
    out: dict[str, Any] = {}
    for name, texts in text_sets(args.docs):
        alone = [model.score(t) for t in texts]
        out[name] = {
            "stage": _annotations(texts),
            "score": [[s.toxicity.hex(), s.lexicon_hits, s.max_window.hex(), s.windows, s.windows_over] for s in alone],
        }
        print(f"{name}: {len(texts)} texts", flush=True)
    Path(args.dump).write_text(json.dumps(out), encoding="utf-8")


def describe(x: Any, y: Any) -> str:
    """One text's differing scores between two dumps."""
    return f"A {x}; B {y}"


def main() -> int:
    from _dump_compare import add_version_arguments, run_versioned  # type: ignore[import-not-found]

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=3000, help="first N corpus pages (0: all)")
    ap.add_argument("--repeat", type=int, default=3)
    add_version_arguments(ap, "scores")
    return int(run_versioned(ap.parse_args(), describe, dump, measure))


if __name__ == "__main__":
    sys.exit(main())
