"""Accuracy of the `pii` stage on a synthetic Faker corpus in four locales (en_US, en_GB, fr_FR, de_DE).

Run: .venv/bin/python bench/accuracy/pii_synthetic.py
     [--split test|tune|pstyle_tune|pstyle_check|refill_tune|refill_check] [--presidio]
     [--errors N]
Prints tables and writes bench/results/accuracy_pii_synthetic[_tune].json.

The corpus comes from bench/accuracy/_pii_synth.py (fixed seeds, 480 documents per split). The `test`
split (40 templates) was NEVER used to tune the stage: it is the honest figure. The `tune` split (16 other
templates, another seed) is the one rules were tuned on, and is shown only with `--split tune`.
`pstyle_tune` / `pstyle_check`: the presidio-research-style dev set (English; even / odd templates, see
_pii_synth.py and docs/stages/pii.md section 6); results go to accuracy_pii_synthetic_<split>.json.
`refill_tune` / `refill_check`: generated_small's tune templates (records 0-49) refilled with Faker values of
40 locales, two seeds (_pii_refill.py, docs/stages/pii.md section 7); errors may be read on refill_tune only.
Same metric as bench/accuracy/pii.py (typed: ADDRESS and LOCATION one family; any-PII: type ignored).
PERSON recall is also shown for names from locales the gazetteer does not ship ("foreign").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pii_refill import REFILL_SEEDS, generate_refill
from _pii_synth import SynthDoc, generate
from pii import Doc, Span, build_presidio, make_records, run_presidio, score

from dataharbor.pipeline.stage import StageContext
from dataharbor.pipeline.stages._pii_types import ALL_TYPES
from dataharbor.pipeline.stages.pii import PiiStage


def run_stage(docs: list[SynthDoc], stage: PiiStage) -> list[list[Span]]:
    records = make_records([d.text for d in docs])
    for record, doc in zip(records, docs, strict=True):
        record.annotations["language"] = {"lang": doc.lang}
    stage.process(records)
    return [[(e["start"], e["end"], e["type"]) for e in r.annotations["pii"]["entities"]] for r in records]


def origin_recall(docs: list[SynthDoc], preds: list[list[Span]]) -> dict[str, str]:
    """PERSON recall (>= 50% of the name's non-space characters covered by a PERSON prediction) by origin."""
    hits: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for doc, pred in zip(docs, preds, strict=True):
        for s, e, kind, origin in doc.spans:
            if kind != "PERSON":
                continue
            gold = {i for i in range(s, e) if not doc.text[i].isspace()}
            covered = {i for ps, pe, pt in pred if pt == "PERSON" for i in range(ps, pe)}
            key = (origin or "gazetteer_locales") + ("_lowercase" if doc.text[s:e].islower() else "")
            hits[key][0] += len(gold & covered) >= 0.5 * len(gold)
            hits[key][1] += 1
    return {k: f"{a}/{b}" for k, (a, b) in sorted(hits.items())}


def errors(docs: list[SynthDoc], preds: list[list[Span]], limit: int) -> None:
    """Print missed gold spans and wrong predictions (for the tune split only: never tune on test)."""
    shown = 0
    for doc, pred in zip(docs, preds, strict=True):
        golds = [(s, e, t) for s, e, t, _ in doc.spans if not t.startswith("OUT:")]
        miss = [doc.text[s:e] + f" [{t}]" for s, e, t in golds if not any(ps < e and pe > s for ps, pe, _ in pred)]
        extra = [doc.text[s:e] + f" [{t}]" for s, e, t in pred if not any(gs < e and ge > s for gs, ge, _ in golds)]
        if (miss or extra) and shown < limit:
            shown += 1
            print(f"--- {doc.template} {doc.locale}: {doc.text[:160]!r}\n    missed {miss}\n    extra {extra}")


def main() -> None:
    ap = argparse.ArgumentParser()
    splits = ("test", "tune", "pstyle_tune", "pstyle_check", *REFILL_SEEDS)
    ap.add_argument("--split", choices=splits, default="test")
    ap.add_argument("--presidio", action="store_true", help="also run Presidio on the English documents")
    ap.add_argument("--errors", type=int, default=0, help="print N documents with errors (tune split only)")
    args = ap.parse_args()
    docs = generate_refill(args.split) if args.split in REFILL_SEEDS else generate(args.split)
    gold_docs = [Doc(d.text, [(s, e, t) for s, e, t, _ in d.spans]) for d in docs]
    # every type the stage knows, URL too (the corpus has none; it only adds false positives if wrong)
    stage = PiiStage(StageContext(declared_languages=("en", "fr", "de")), entity_types=list(ALL_TYPES))
    stage.ensure_setup()
    t0 = time.perf_counter()
    preds = run_stage(docs, stage)
    seconds = time.perf_counter() - t0
    systems: dict[str, tuple[list[int], list[list[Span]]]] = {"dataharbor": (list(range(len(docs))), preds)}
    if args.presidio:
        en = [i for i, d in enumerate(docs) if d.lang == "en"]
        engine = build_presidio()
        systems["presidio_0.5_scoped (en)"] = (en, run_presidio([docs[i].text for i in en], engine, 0.5, True))

    results: dict[str, Any] = {"split": args.split, "documents": len(docs), "systems": {}}
    print(f"split={args.split} documents={len(docs)} (stage: {len(docs) / seconds:.0f} docs/s)")
    header = f"{'system':26} {'subset':7} {'P':>6} {'R':>6} {'F2':>6} {'strictF2':>8} {'anyR':>6} {'anyCharR':>8}"
    print(header + f" {'gold':>5}")
    for name, (index, sys_preds) in systems.items():
        by_pos = dict(zip(index, sys_preds, strict=True))
        subsets = {"all": index} | {lang: [i for i in index if docs[i].lang == lang] for lang in ("en", "fr", "de")}
        for subset, idx in subsets.items():
            if not idx:
                continue
            sd = [gold_docs[i] for i in idx]
            sp = [by_pos[i] for i in idx]
            typed, strict = score(sd, sp), score(sd, sp, strict=True)
            entry = {"typed": typed, "strict": strict}
            if name == "dataharbor":
                entry["person_recall_by_origin"] = origin_recall([docs[i] for i in idx], sp)
            results["systems"].setdefault(name, {})[subset] = entry
            print(
                f"{name:26} {subset:7} {typed['precision']:6.3f} {typed['recall']:6.3f} {typed['f2']:6.3f} "
                f"{strict['f2']:8.3f} {typed['any_pii_span_recall']:6.3f} {typed['any_pii_char_recall']:8.3f} "
                f"{typed['gold_spans']:5d}"
            )
    for name in systems:
        acc = results["systems"][name]["all"]
        print(f"\n{name}: recall by gold type {acc['typed']['recall_by_type']}")
        print(f"  precision by predicted type {acc['typed']['precision_by_type']}")
        if "person_recall_by_origin" in acc:
            print(f"  PERSON recall by name origin {acc['person_recall_by_origin']}")
    if args.errors:
        if args.split in ("test", "refill_check"):
            sys.exit(f"--errors is not for {args.split}: looking at its errors would make it a tuning set")
        errors(docs, preds, args.errors)
    suffix = "" if args.split == "test" else f"_{args.split}"
    out = Path(__file__).resolve().parents[1] / "results" / f"accuracy_pii_synthetic{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
