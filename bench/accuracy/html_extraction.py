"""HTML main-text extraction: resiliparse vs trafilatura on trafilatura's own evaluation pages.

Data: evaldata/documents/trafilatura_eval_html (49 archived pages, mostly German). For each page
the gold file lists snippets that must appear in the main text ("with") and boilerplate snippets
that must not ("without"). Per engine we count
  TP = "with" snippet found, FN = "with" missed, FP = "without" found, TN = "without" absent
and report precision = TP/(TP+FP), recall = TP/(TP+FN), F1, accuracy = (TP+TN)/all, and time per page.

Honesty: the default engine is chosen on the even-numbered pages (sorted by file name) and the
figures that matter are those on the odd-numbered pages, which the choice never saw.

Run: .venv/bin/python bench/accuracy/html_extraction.py
Writes: bench/results/accuracy_html_extraction.json
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dataharbor.evaldata import evaldata_dir
from dataharbor.ingest.extractors.html import METHODS, HtmlMethod, decode_html, html_to_text

RESULTS = Path(__file__).resolve().parents[1] / "results" / "accuracy_html_extraction.json"


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    seconds: float = 0.0
    pages: int = 0

    def add(self, other: Score) -> None:
        for key in ("tp", "fn", "fp", "tn", "seconds", "pages"):
            setattr(self, key, getattr(self, key) + getattr(other, key))

    def summary(self) -> dict[str, float]:
        precision = self.tp / max(self.tp + self.fp, 1)
        recall = self.tp / max(self.tp + self.fn, 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        total = self.tp + self.fn + self.fp + self.tn
        return {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "accuracy": round((self.tp + self.tn) / max(total, 1), 3),
            "ms_per_page": round(1000 * self.seconds / max(self.pages, 1), 2),
        }


def _squash(text: str) -> str:
    return " ".join(text.split())


def score_page(html: str, gold: dict[str, Any], method: HtmlMethod) -> Score:
    start = time.perf_counter()
    text = _squash(html_to_text(html, method))
    elapsed = time.perf_counter() - start
    score = Score(seconds=elapsed, pages=1)
    for snippet in gold.get("with", []):
        if _squash(snippet) in text:
            score.tp += 1
        else:
            score.fn += 1
    for snippet in gold.get("without", []):
        if _squash(snippet) in text:
            score.fp += 1
        else:
            score.tn += 1
    return score


def main() -> None:
    root = evaldata_dir() / "documents" / "trafilatura_eval_html"
    gold = json.loads((root / "evaldata_subset.json").read_text(encoding="utf-8"))
    pages = sorted(gold.values(), key=lambda g: str(g["file"]))
    splits: dict[str, dict[HtmlMethod, Score]] = {s: {m: Score() for m in METHODS} for s in ("choose", "report")}
    for i, page in enumerate(pages):
        html = decode_html((root / "html" / page["file"]).read_bytes())
        split = "choose" if i % 2 == 0 else "report"
        for method in METHODS:
            html_to_text(html, method)  # warm-up: first-call import and cache costs are not per page
            splits[split][method].add(score_page(html, page, method))
    overall: dict[str, Score] = {m: Score() for m in METHODS}
    for scores in splits.values():
        for m, score in scores.items():
            overall[m].add(score)
    chosen = max(METHODS, key=lambda m: splits["choose"][m].summary()["f1"])
    table: dict[str, Any] = {
        "pages": len(pages),
        "chosen_on_choose_split_by_f1": chosen,
        "choose_split": {m: {**s.summary(), **asdict(s)} for m, s in splits["choose"].items()},
        "report_split": {m: {**s.summary(), **asdict(s)} for m, s in splits["report"].items()},
        "all_pages": {m: {**s.summary(), **asdict(s)} for m, s in overall.items()},
    }
    print(f"HTML main-text extraction on {len(pages)} pages (trafilatura eval subset)")
    header = f"{'split':<8} {'method':<16} {'prec':>6} {'recall':>7} {'F1':>6} {'acc':>6} {'ms/page':>8}"
    print(header)
    print("-" * len(header))
    for split in ("choose_split", "report_split", "all_pages"):
        for method, row in table[split].items():
            print(
                f"{split.split('_')[0]:<8} {method:<16} {row['precision']:>6.3f} {row['recall']:>7.3f} "
                f"{row['f1']:>6.3f} {row['accuracy']:>6.3f} {row['ms_per_page']:>8.2f}"
            )
    print(f"chosen on the choose split by F1: {chosen}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
