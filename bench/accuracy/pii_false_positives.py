"""False-positive rate of the `pii` stage on real benign text: detections per 10k words, per type.

Run: .venv/bin/python bench/accuracy/pii_false_positives.py [--show N]
Prints a table (and with --show, up to N detections per corpus with their context) and writes
bench/results/accuracy_pii_false_positives.json (counts only, never the detected text).

Corpora (no personal data about private individuals, so every detection is suspect):
- udhr_en / udhr_fr / udhr_de: the Universal Declaration of Human Rights (evaldata/text/udhr), one record per
  paragraph. Nothing in it is personal data: every detection is a false positive.
- trafilatura_gold: the gold snippets of evaldata/documents/trafilatura_eval_html (title, description and the
  "with" snippets of 49 news/blog pages, mostly German). News names public people and places, so some
  PERSON/LOCATION detections there are right; the rate is an upper bound on false positives.
- samples_benign: the benign demo documents in samples/bundle (annual reports en/fr, committee minutes en/fr,
  closure notice, volunteer guide, board letter, reader reviews). The volunteer guide deliberately names a
  coordinator with an e-mail and a phone number: 3 true detections.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dataharbor.domain.record import Provenance, Record
from dataharbor.evaldata import evaldata_dir
from dataharbor.ingest.extractor import Extracted
from dataharbor.ingest.walk import source_from_path, walk
from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages._langid_fasttext import FastTextLangId
from dataharbor.pipeline.stages.pii import PiiStage

ROOT = Path(__file__).resolve().parents[2]
RESULT = ROOT / "bench" / "results" / "accuracy_pii_false_positives.json"
UDHR = {"udhr_en": ("eng.txt", "en"), "udhr_fr": ("fra.txt", "fr"), "udhr_de": ("deu_1996.txt", "de")}
SAMPLE_FILES = (
    "reports/annual-report-2025.html",
    "reports/rapport-annuel-2025.html",
    "documents/committee-minutes.zip",
    "documents/closure-notice.pdf",
    "documents/volunteer-guide.docx",
    "letters/board-letter-copy.txt",
    "catalogue/reader-reviews.csv",
)


@dataclass
class Corpus:
    name: str
    texts: list[tuple[str, str]] = field(default_factory=list)  # (text, language)


def _udhr(name: str, filename: str, lang: str) -> Corpus:
    path = evaldata_dir() / "text" / "udhr" / "txt" / filename
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return Corpus(name, [(line, lang) for line in lines if line])


def _trafilatura(langid: FastTextLangId) -> Corpus:
    path = evaldata_dir() / "documents" / "trafilatura_eval_html" / "evaldata_subset.json"
    pages: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    corpus = Corpus("trafilatura_gold")
    for page in pages.values():
        parts = [page.get("title") or "", page.get("description") or "", *page.get("with", [])]
        text = "\n".join(p.strip() for p in parts if p and p.strip())
        if text:
            corpus.texts.append((text, langid.predict(text, k=1)[0][0]))
    return corpus


def _samples(langid: FastTextLangId) -> Corpus:
    corpus = Corpus("samples_benign")
    for rel in SAMPLE_FILES:
        for item in walk(source_from_path(ROOT / "samples" / "bundle" / rel)):
            if isinstance(item, Extracted) and item.text.strip():
                corpus.texts.append((item.text, langid.predict(item.text, k=1)[0][0]))
    return corpus


def corpora() -> Iterator[Corpus]:
    for name, (filename, lang) in UDHR.items():
        yield _udhr(name, filename, lang)
    langid = FastTextLangId()
    yield _trafilatura(langid)
    yield _samples(langid)


def _record(index: int, text: str, lang: str) -> Record:
    prov = Provenance(source_sha256="0" * 64, source_name="fp", extractor="text", extractor_version="1")
    return Record(id=f"r{index}", text=text, provenance=prov, annotations={"language": {"lang": lang}})


def measure(stage: PiiStage, corpus: Corpus, show: int) -> dict[str, Any]:
    records = [_record(i, text, lang) for i, (text, lang) in enumerate(corpus.texts)]
    originals = [r.text for r in records]
    stage.process(records)
    words = sum(len(t.split()) for t in originals)
    by_type: Counter[str] = Counter()
    shown = 0
    for record, text in zip(records, originals, strict=True):
        for e in record.annotations["pii"]["entities"]:
            by_type[e["type"]] += 1
            if shown < show:
                shown += 1
                left = text[max(0, e["start"] - 40) : e["start"]].replace("\n", "⏎")
                right = text[e["end"] : e["end"] + 40].replace("\n", "⏎")
                print(f"  {corpus.name} {e['type']:<9} …{left}[[{text[e['start'] : e['end']]}]]{right}…")
    total = sum(by_type.values())
    per10k = 1e4 / words if words else 0.0
    return {
        "records": len(records),
        "words": words,
        "detections": total,
        "per_10k_words": round(total * per10k, 1),
        "by_type": dict(sorted(by_type.items())),
        "by_type_per_10k_words": {k: round(v * per10k, 1) for k, v in sorted(by_type.items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--show", type=int, default=0, help="print up to N detections per corpus with context")
    args = parser.parse_args(argv)
    stage = PiiStage(StageContext(declared_languages=("en", "fr", "de")))
    stage.ensure_setup()
    results: dict[str, Any] = {}
    for corpus in corpora():
        results[corpus.name] = measure(stage, corpus, args.show)
    print(f"{'corpus':<18} {'records':>7} {'words':>7} {'found':>6} {'per 10k words':>13}  by type (per 10k words)")
    for name, row in results.items():
        types = ", ".join(f"{k} {v}" for k, v in row["by_type_per_10k_words"].items()) or "-"
        counts = f"{row['records']:>7} {row['words']:>7} {row['detections']:>6}"
        print(f"{name:<18} {counts} {row['per_10k_words']:>13}  {types}")
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps({"params": stage.describe(), "corpora": results}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
