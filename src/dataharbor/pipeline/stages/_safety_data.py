"""Loaders and honest splits for the labelled toxicity sets in evaldata (training and benchmarks).

HateCheck is split by *template family*: a template and every template that refers to it
(`ref_templ_id`: its spelling variants and contrast cases) stay on the same side, so no sentence
pattern is seen in training and in evaluation.
"""

from __future__ import annotations

import csv
import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from dataharbor.evaldata import evaldata_dir


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: int  # 1 = hateful/toxic
    group: str  # functionality (HateCheck) or Davidson class name
    family: str = ""  # HateCheck template family id


def toxicity_dir() -> Path:
    return evaldata_dir() / "toxicity"


def load_hatecheck() -> list[Example]:
    path = toxicity_dir() / "hatecheck" / "test_suite_cases.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for row in rows:
        a = find(row["templ_id"])
        if row["ref_templ_id"]:
            b = find(row["ref_templ_id"].split(".")[0])
            parent[a] = b
    return [
        Example(
            text=row["test_case"].strip(),
            label=int(row["label_gold"] == "hateful"),
            group=row["functionality"],
            family=find(row["templ_id"]),
        )
        for row in rows
    ]


def split_hatecheck(examples: list[Example], seed: int = 0) -> tuple[list[Example], list[Example]]:
    """Half of the template families for training, the other half held out."""

    def side(family: str) -> int:
        return hashlib.sha256(f"{seed}:{family}".encode()).digest()[0] % 2

    return [e for e in examples if side(e.family) == 0], [e for e in examples if side(e.family) == 1]


DAVIDSON_CLASSES = {"0": "hate", "1": "offensive", "2": "neither"}


def load_davidson() -> list[Example]:
    """All tweets; label 1 = hate speech or offensive (the annotators' majority class)."""
    path = toxicity_dir() / "davidson_hate_offensive" / "labeled_data.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        Example(text=row["tweet"], label=int(row["class"] != "2"), group=DAVIDSON_CLASSES[row["class"]]) for row in rows
    ]


def split_davidson(examples: list[Example], seed: int = 0) -> tuple[list[Example], list[Example]]:
    """80 % training, 20 % held out, by a seeded shuffle."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    cut = int(0.8 * len(order))
    return [examples[i] for i in order[:cut]], [examples[i] for i in order[cut:]]
