"""CPU time of the `pii` stage without NER (`ner: false`, the `equivalent` profile) or with it (`--ner`) on the
benchmark corpus, and a dump of detections to check that two versions of the code find the same things.

    .venv/bin/python bench/pii_speed.py [--docs 600] [--repeat 3] [--ner] [--label after] [--src DIR]
    .venv/bin/python bench/pii_speed.py --dump FILE [--ner [--ner-docs 300]] [--src DIR]
    .venv/bin/python bench/pii_speed.py --compare FILE_A FILE_B
    .venv/bin/python bench/pii_speed.py --presidio [--repeat 3] [--src DIR]

Timing: the first `--docs` pages of `bench/work/corpus-1x` (half from each part, as `profile_equivalent.py`
slices it; made by `bench/corpus.py`), one `process` call per 64 pages, CPU-seconds (`time.process_time`), best
of `--repeat`. Two rows: each page read in its own language (en/fr/de/es: the phone region follows it), and every
page read as English (the `equivalent` profile has no language stage). `--label` stores the figures in
`bench/results/pii-speed.json` under that name.

`--src DIR` imports `dataharbor` from DIR instead, so an older version can be timed under the same load:
`git archive <rev> src | tar -x -C /tmp/old` then `--src /tmp/old/src`.

`--dump` writes, for every text of the corpus slice, the corpus's pages with planted PII, and each text that
`bench/accuracy/pii*.py` reads, the cheap recognisers' raw candidates (all types, with score and source) and the
stage's resolved entities without NER; `--ner` adds the stage's entities with NER for the accuracy texts and
for the first `--ner-docs` pages of the corpus slice (half from each part, each in its language).
`--compare` prints every difference between two dumps.

`--presidio` times the stage with NER against Presidio's per-document `analyze` on the documents of
`bench/accuracy/pii.py`'s speed section, each of our runs starting with empty memories (see `presidio_ratio`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "work" / "corpus-1x"
RESULT = HERE / "results" / "pii-speed.json"
BATCH = 64

Page = tuple[str, str]  # (text, language)


def corpus_slice(docs: int) -> list[Page]:
    parts = sorted(CORPUS.glob("part-*.jsonl"))
    if not parts:
        raise SystemExit(f"no corpus at {CORPUS}: build it with `.venv/bin/python bench/corpus.py`")
    pages: list[Page] = []
    for part in parts:
        with open(part, encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                if n >= docs // len(parts):
                    break
                row = json.loads(line)
                pages.append((row["text"], row["language"]))
    return pages


def planted_pages() -> list[Page]:
    ids = {item["id"] for item in json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))["pii"]}
    pages = []
    for part in sorted(CORPUS.glob("part-*.jsonl")):
        with open(part, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row["id"] in ids:
                    pages.append((row["text"], row["language"]))
    return pages


def _records(pages: list[Page]) -> list[Any]:
    from dataharbor.domain.record import Provenance, Record

    prov = Provenance(source_sha256="0" * 64, source_name="bench", extractor="bench", extractor_version="0")
    return [
        Record(id=str(i), text=t, provenance=prov, annotations={"language": {"lang": lang}})
        for i, (t, lang) in enumerate(pages)
    ]


def _stage(ner: bool) -> Any:
    from dataharbor.pipeline.stage import StageContext
    from dataharbor.pipeline.stages.pii import PiiStage

    stage = PiiStage(StageContext(declared_languages=("en", "fr", "de")), ner=ner)
    stage.ensure_setup()
    return stage


def cpu_seconds(pages: list[Page], repeat: int, ner: bool = False) -> float:
    """Best-of-`repeat` CPU time of the stage over `pages`, in batches like a job's."""
    stage = _stage(ner=ner)
    best = float("inf")
    for _ in range(repeat):
        records = _records(pages)
        t0 = time.process_time()
        for i in range(0, len(records), BATCH):
            stage.process(records[i : i + BATCH])
        best = min(best, time.process_time() - t0)
    return best


def measure(args: argparse.Namespace) -> None:
    pages = corpus_slice(args.docs)
    mb = sum(len(t.encode()) for t, _ in pages) / 1e6
    rows = {}
    for name, subset in (("own_language", pages), ("all_english", [(t, "en") for t, _ in pages])):
        seconds = cpu_seconds(subset, args.repeat, args.ner)
        rows[name] = {"cpu_s": round(seconds, 3), "mb_per_cpu_s": round(mb / seconds, 3)}
        print(f"{name:13} {len(pages)} pages {mb:.2f} MB: {seconds:.2f} CPU-s, {mb / seconds:.3f} MB per CPU-s")
    if args.label:
        results = json.loads(RESULT.read_text(encoding="utf-8")) if RESULT.exists() else {}
        row = {"pages": len(pages), "mb": round(mb, 3), "repeat": args.repeat, "ner": args.ner, **rows}
        results[args.label] = row
        RESULT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULT}")


def presidio_ratio(args: argparse.Namespace) -> None:
    """The stage with NER vs Presidio's per-document `analyze` on the documents of `bench/accuracy/pii.py`'s speed
    section (100 generated_small records; 10 documents of 60 records joined), CPU-seconds.

    Ours: best of `--repeat`, each run starting as a new job (`setup` empties the memories of text read: the
    phone blocks and the NER pieces), after one untimed run for both systems (spaCy's vocabulary warm, as
    in that script). Presidio: one timed run, as in that script. Two ways for ours: `batched`, all documents in
    one `process` call as that script does (the long documents overlap: each record is in up to 6 of them, and
    the stage reads a repeated piece once), and `per_document`, one call per document, each as a new job
    (nothing shared between documents, like Presidio's per-document `analyze`)."""
    sys.path.insert(0, str(HERE / "accuracy"))
    from pii import build_presidio, load_docs, make_records, run_presidio

    from dataharbor.pipeline.stage import StageContext
    from dataharbor.pipeline.stages.pii import PiiStage

    texts = [d.text for d in load_docs()]
    joined = ["\n\n".join(texts[i : i + 60]) for i in range(0, 100, 10)]
    stage = PiiStage(StageContext(declared_languages=("en",)))
    stage.ensure_setup()
    engine = build_presidio()
    rows: dict[str, Any] = {}
    for label, corpus in (("short_docs", texts), ("long_docs", joined)):
        stage.process(make_records(corpus))
        run_presidio(corpus, engine, 0.5, scoped=False)
        batched = per_document = float("inf")
        for _ in range(args.repeat):
            stage.setup()  # a new job: nothing remembered from the runs before
            records = make_records(corpus)
            t0 = time.process_time()
            stage.process(records)
            batched = min(batched, time.process_time() - t0)
            seconds = 0.0
            for record in make_records(corpus):
                stage.setup()
                t0 = time.process_time()
                stage.process([record])
                seconds += time.process_time() - t0
            per_document = min(per_document, seconds)
        t0 = time.process_time()
        run_presidio(corpus, engine, 0.5, scoped=False)
        theirs = time.process_time() - t0
        rows[label] = {
            "docs": len(corpus),
            "presidio_docs_per_cpu_s": round(len(corpus) / theirs, 1),
            "batched_docs_per_cpu_s": round(len(corpus) / batched, 1),
            "batched_speedup": round(theirs / batched, 2),
            "per_document_docs_per_cpu_s": round(len(corpus) / per_document, 1),
            "per_document_speedup": round(theirs / per_document, 2),
        }
        print(f"{label}: {rows[label]}", flush=True)
    if args.label:
        results = json.loads(RESULT.read_text(encoding="utf-8")) if RESULT.exists() else {}
        results[args.label] = {"presidio": rows, "repeat": args.repeat}
        RESULT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {RESULT}")


def accuracy_texts() -> Iterator[tuple[str, list[Page]]]:
    """Every text the accuracy scripts under bench/accuracy read, by set."""
    sys.path.insert(0, str(HERE / "accuracy"))
    from _pii_synth import generate
    from pii import load_docs
    from pii_false_positives import corpora

    from dataharbor.evaldata import evaldata_dir

    yield "generated_small", [(d.text, "en") for d in load_docs()]
    folder = evaldata_dir() / "pii" / "presidio_e2e_and_images"
    demo = (folder / "demo.txt").read_text(encoding="utf-8")
    lines = (folder / "context_sentences_tests.txt").read_text(encoding="utf-8").splitlines()
    yield "presidio_e2e", [(demo, "en")] + [(s, "en") for s in lines if s.strip() and not s.startswith("#")]
    for split in ("test", "tune"):
        yield f"synthetic_{split}", [(d.text, d.lang) for d in generate(split)]
    for corpus in corpora():
        yield f"fp_{corpus.name}", corpus.texts


def _entities(stage: Any, pages: list[Page]) -> list[list[list[Any]]]:
    records = _records(pages)
    for i in range(0, len(records), BATCH):
        stage.process(records[i : i + BATCH])
    return [[[e["start"], e["end"], e["type"], e["score"]] for e in r.annotations["pii"]["entities"]] for r in records]


def dump(args: argparse.Namespace) -> None:
    from dataharbor.pipeline.stages._pii_recognisers import find_cheap
    from dataharbor.pipeline.stages._pii_types import ALL_TYPES

    types = frozenset(ALL_TYPES)
    rules, ner = _stage(ner=False), _stage(ner=True) if args.ner else None
    sets: list[tuple[str, list[Page]]] = [
        ("corpus_slice", corpus_slice(args.docs)),
        ("corpus_slice_en", [(t, "en") for t, _ in corpus_slice(args.docs)]),
        ("corpus_planted", planted_pages()),
        *accuracy_texts(),
    ]
    out: dict[str, Any] = {}
    for name, pages in sets:
        cands = [
            sorted([e.start, e.end, e.type, round(e.score, 6), e.source] for e in find_cheap(t, types, lang))
            for t, lang in pages
        ]
        out[name] = {"candidates": cands, "no_ner": _entities(rules, pages)}
        if ner is not None and not name.startswith("corpus"):
            out[name]["ner"] = _entities(ner, pages)
        elif ner is not None and name == "corpus_slice" and args.ner_docs:
            half = args.ner_docs // 2
            out[name]["ner"] = _entities(ner, pages[:half] + pages[len(pages) // 2 :][:half])
        print(f"{name}: {len(pages)} texts, {sum(map(len, cands))} candidates")
    Path(args.dump).write_text(json.dumps(out), encoding="utf-8")


def describe(x: list[Any], y: list[Any]) -> str:
    """One text's differing detections between two dumps."""
    return f"only in A {[e for e in x if e not in y]}; only in B {[e for e in y if e not in x]}"


def main() -> int:
    from _dump_compare import add_version_arguments, run_versioned  # type: ignore[import-not-found]

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=600)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--label", help="store the figures under this name in bench/results/pii-speed.json")
    add_version_arguments(ap, "detections")
    ap.add_argument("--ner", action="store_true", help="time the stage with NER; with --dump: also dump its entities")
    ap.add_argument("--ner-docs", type=int, default=300, help="with --dump --ner: corpus pages dumped with NER")
    ap.add_argument("--presidio", action="store_true", help="time the stage with NER against Presidio's analyze")
    return int(run_versioned(ap.parse_args(), describe, dump, timing))


def timing(args: argparse.Namespace) -> None:
    """The stage's own timing, or (`--presidio`) its ratio to Presidio's `analyze`."""
    (presidio_ratio if args.presidio else measure)(args)


if __name__ == "__main__":
    sys.exit(main())
