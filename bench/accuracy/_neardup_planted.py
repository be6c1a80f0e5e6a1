"""Planted near duplicates for `neardup.py`: edited copies of real documents, tuning and held-out splits.

Edits, each at a share p of the document's words, deterministic per (split, kind, p):
`sub` replaces words with words of other documents, `ins` inserts such words, `del` deletes
words, `swap` exchanges adjacent sentences (one swap per ~10 sentences, p ignored), `mixed`
spreads p over substitutions (half), insertions and deletions (a quarter each) and adds one
sentence swap — the "a few % of words changed" a later benchmark asks about.

Splits (no document is in both; documents of a labelled true pair are never originals):
- tuning: articles_100 + 300 further articles of articles_1000, and overheard-in-New-York lines
  (short records, only as originals);
- held out: the other articles of articles_1000, State of the Union and inaugural addresses
  (long, same topic, distinct), and short boilerplate-heavy records (wine reviews, Firefox bug
  titles) that are only used as originals, never copied, to count false removals.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dataharbor.evaldata import evaldata_dir

Doc = tuple[str, str]  # (id, text)

KINDS = ("sub", "ins", "del", "swap", "mixed")
SHARES = (0.01, 0.02, 0.03, 0.05, 0.08)
TUNING_EXTRA = 300  # articles of articles_1000 beyond articles_100 used for tuning

_ARTICLES = evaldata_dir() / "neardup" / "minhash_articles_plagiarism"
_NLTK = evaldata_dir() / "text" / "nltk_corpora"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Split:
    """Originals that get edited copies, plus extra distinct records that only count false removals."""

    name: str
    originals: list[Doc]
    distractors: list[Doc]


def _articles(name: str) -> tuple[list[Doc], set[str]]:
    docs = []
    for line in (_ARTICLES / f"{name}.train").read_text("utf-8").splitlines():
        doc_id, _, text = line.partition(" ")
        docs.append((doc_id, text))
    in_truth = set((_ARTICLES / f"{name}.truth").read_text().split())
    return docs, in_truth


def splits() -> tuple[Split, Split]:
    small, small_truth = _articles("articles_100")
    large, large_truth = _articles("articles_1000")
    small_texts = {t for _, t in small}  # articles_100 is a subset of articles_1000
    rest = [(i, t) for i, t in large if i not in large_truth and t not in small_texts]
    random.Random(7).shuffle(rest)
    tuning = [(i, t) for i, t in small if i not in small_truth] + rest[:TUNING_EXTRA]
    held = rest[TUNING_EXTRA:] + _speeches()
    tuning_short = _short_records(("overheard",))
    return Split("tuning", tuning, tuning_short), Split("heldout", held, _short_records(("wine", "firefox")))


def _speeches() -> list[Doc]:
    out = []
    for folder in ("state_union", "inaugural"):
        for path in sorted((_NLTK / folder).glob("*.txt")):
            out.append((f"{folder}/{path.stem}", _read(path)))
    return out


def _short_records(names: Sequence[str]) -> list[Doc]:
    """Lines of 6+ words of webtext files: short, formulaic, mostly distinct records."""
    out = []
    for name in names:
        lines = _read(_NLTK / "webtext" / f"{name}.txt").splitlines()
        out += [(f"{name}/{n}", line) for n, line in enumerate(lines) if len(line.split()) >= 6]
    return out


def _read(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # some NLTK files are Latin-1
        return raw.decode("latin-1")


def edit(text: str, kind: str, share: float, rng: random.Random, vocab: Sequence[str]) -> str:
    """A copy of `text` with `share` of its words edited the way `kind` says."""
    if kind == "swap":
        return _swap_sentences(text, rng, max(1, len(_SENTENCE_END.split(text)) // 10))
    if kind == "mixed":
        text = _edit_words(text, "sub", share / 2, rng, vocab)
        text = _edit_words(text, "ins", share / 4, rng, vocab)
        text = _edit_words(text, "del", share / 4, rng, vocab)
        return _swap_sentences(text, rng, 1)
    return _edit_words(text, kind, share, rng, vocab)


def _edit_words(text: str, kind: str, share: float, rng: random.Random, vocab: Sequence[str]) -> str:
    words = text.split()
    count = max(1, round(share * len(words)))
    positions = sorted(rng.sample(range(len(words)), min(count, len(words))), reverse=True)
    for pos in positions:  # from the end, so earlier positions stay valid
        if kind == "sub":
            words[pos] = rng.choice(vocab)
        elif kind == "ins":
            words.insert(pos, rng.choice(vocab))
        elif kind == "del":
            del words[pos]
    return " ".join(words)


def _swap_sentences(text: str, rng: random.Random, swaps: int) -> str:
    sentences = _SENTENCE_END.split(text)
    if len(sentences) < 2:
        return text
    for _ in range(swaps):
        i = rng.randrange(len(sentences) - 1)
        sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    return " ".join(sentences)


def vocabulary(docs: Sequence[Doc]) -> list[str]:
    """Replacement words drawn from real text, so edits look like words, not markers."""
    return sorted({w for _, t in docs for w in t.split() if w.isalpha()})


def planted(split: Split, kind: str, share: float) -> tuple[list[Doc], list[Doc]]:
    """(originals + distractors, one edited copy per original), deterministic per split/kind/share."""
    rng = random.Random(f"{split.name}/{kind}/{share}")
    vocab = vocabulary(split.originals)
    copies = [(f"{i}~copy", edit(t, kind, share, rng, vocab)) for i, t in split.originals]
    return [*split.originals, *split.distractors], copies
