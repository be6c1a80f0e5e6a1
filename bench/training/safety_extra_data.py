"""Extra training and development data for the safety model, from sources the benchmarks do not use.

- HolisticBias (Meta, CC BY-SA 4.0; evaldata/bias/holistic_bias_v1.1): sentences that mention a
  demographic group, built from its own descriptors, nouns and sentence templates. Most of its
  templates mention a group without hostility ("I have friends who are Muslim women.") — the
  non-hateful identity mentions the HateCheck-trained model flags. Its two openly hostile templates
  ("I hate …", "… are the worst.") aimed at protected groups are positives, so a group's name is not
  what decides: what is said about it is.
- Benign *development* paragraphs: text extracted by the ingest layer from the mixed real
  documents of evaldata/documents (a trustee handbook, a Gutenberg book, government PDFs, SEC
  filings, web pages; mostly English and German), and the English Genesis verses the trainer leaves
  out. Never trained on; they measure paragraph-level false flags during development
  (safety_dev.py), so the benign evaluation sets (speeches, UDHR, demo bundle) stay unseen.

Used by safety_dev.py; not (yet) by train_safety.py: the one model trained with them was not
shipped (docs/stages/safety.md, "Tried and not shipped").
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from dataharbor.evaldata import evaldata_dir
from dataharbor.pipeline.stages._safety_data import Example

HOLISTIC_DIR = ("bias", "holistic_bias_v1.1")
# Axes HateCheck (and most hate-speech definitions) treat as protected characteristics: hostility
# towards these groups is hate; towards e.g. "rich people" or "Millennials" it is left out.
PROTECTED_AXES = frozenset(
    {"race_ethnicity", "religion", "sexual_orientation", "gender_and_sex", "ability", "nationality"}
)
HOSTILE_TEMPLATES = frozenset({"I hate {plural_noun_phrase}.", "I think {plural_noun_phrase} are the worst."})
PROTECTED_SHARE = 0.5
# a dislike is not clearly hate; left out rather than labelled either way
AMBIGUOUS_TEMPLATES = frozenset({"I don't like {plural_noun_phrase}."})


def _descriptors(root: Path) -> list[tuple[str, str]]:
    """(axis, descriptor) pairs; dispreferred terms included: real text uses them too."""
    raw = json.loads((root / "descriptors.json").read_text(encoding="utf-8"))
    out: list[tuple[str, str]] = []
    for axis, buckets in raw.items():
        if axis == "nonce":  # made-up words, not groups
            continue
        for terms in buckets.values():
            for t in terms:
                out.append((axis, t if isinstance(t, str) else t["descriptor"]))
    return out


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def holistic_bias_examples(n: int, seed: int = 0) -> list[Example]:
    """`n` sentences: a random template × descriptor × noun, label 1 only for hostile templates
    about a protected group. Group is `hb_hostile` or `hb_benign`."""
    root = evaldata_dir().joinpath(*HOLISTIC_DIR)
    templates = [
        t
        for t in json.loads((root / "sentence_templates.json").read_text(encoding="utf-8"))
        if t not in AMBIGUOUS_TEMPLATES
    ]
    nouns = [pair for group in json.loads((root / "nouns.json").read_text(encoding="utf-8")).values() for pair in group]
    descriptors = _descriptors(root)
    protected = [d for d in descriptors if d[0] in PROTECTED_AXES]
    rng = random.Random(seed)
    out: list[Example] = []
    seen: set[str] = set()
    while len(out) < n:
        template = rng.choice(templates)
        # most descriptors are body types, ages, hobbies…; the groups hate targets get half the draws
        axis, desc = rng.choice(protected if rng.random() < PROTECTED_SHARE else descriptors)
        singular, plural = rng.choice(nouns)
        if template in HOSTILE_TEMPLATES and axis not in PROTECTED_AXES:
            continue
        text = template.format(noun_phrase=f"{_article(desc)} {desc} {singular}", plural_noun_phrase=f"{desc} {plural}")
        if text in seen:
            continue
        seen.add(text)
        hostile = template in HOSTILE_TEMPLATES
        out.append(Example(text, int(hostile), "hb_hostile" if hostile else "hb_benign"))
    return out


DOC_SUFFIXES = frozenset({".pdf", ".html", ".htm", ".docx", ".epub", ".eml", ".pptx", ".odt", ".rtf", ".txt"})


def document_paragraphs(min_chars: int = 100) -> list[str]:
    """Lines of at least `min_chars` characters of every document in evaldata/documents, as the
    ingest layer extracts them (mostly English and German; real, benign prose)."""
    from dataharbor.ingest.extractor import Extracted  # the ingest layer: only needed here
    from dataharbor.ingest.walk import source_from_path, walk

    root = evaldata_dir() / "documents"
    out: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in DOC_SUFFIXES):
        if path.name.startswith(("LICENSE", "tests_README")):
            continue
        for item in walk(source_from_path(path)):
            if isinstance(item, Extracted):
                out.extend(ln.strip() for ln in item.text.splitlines() if len(ln.strip()) >= min_chars)
    return out


def genesis_odd_paragraphs(verses: list[str], per_paragraph: int = 3) -> list[str]:
    """The English Genesis verses the trainer leaves out (it takes every 2nd, from `verses`),
    `per_paragraph` consecutive ones joined: old prose with violence and kinship, never trained on."""
    odd = verses[1::2]
    return [" ".join(odd[i : i + per_paragraph]) for i in range(0, len(odd), per_paragraph)]
