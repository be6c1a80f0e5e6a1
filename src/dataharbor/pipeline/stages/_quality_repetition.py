"""Gopher repetition signals: duplicate lines/paragraphs and repeated word n-grams.

Words are hashed to 64-bit integers once; the hash of every n-gram is then built from the
(n-1)-gram hashes with one vectorised multiply-add, so all n from 2 to 10 cost nine numpy
passes over an integer array instead of nine Python loops that join strings (datatrove's way,
which took 80 of 113 CPU-seconds of its whole filter pipeline). Duplicates are found by sorting.

The n-gram signals of a whole batch of documents are computed together (`ngram_signals`): the
words of all documents are laid end to end, n-grams that cross a document boundary are left out,
and each sort key carries the document's index in its top bits (the hash keeps the rest, in the
same order). A hundred-odd numpy calls per document cost more than the sorting itself for the
usual page of a few hundred words; per batch they are paid once.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

TOP_NGRAMS = (2, 3, 4)
DUP_NGRAMS = (5, 6, 7, 8, 9, 10)
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant: a bijective mix step per word
# documents per numpy pass: 8 bits of each 64-bit sort key name the document (255 and a spare
# index for n-grams that cross a document's end), 56 stay for the hash
_CHUNK_DOCS = 255
_TOP_KEYS = {k: f"gopher_top_{k}gram_char_frac" for k in TOP_NGRAMS}
_DUP_KEYS = {k: f"gopher_dup_{k}gram_char_frac" for k in DUP_NGRAMS}
NGRAM_KEYS = (*_TOP_KEYS.values(), *_DUP_KEYS.values())

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


def _dup_fractions(items: Sequence[str], total_chars: int | None = None) -> tuple[float, float]:
    """(share of items that repeat an earlier one, share of characters in those repeats)."""
    if not items:
        return 0.0, 0.0
    unique = set(items)
    if len(unique) == len(items):
        return 0.0, 0.0
    if total_chars is None:
        total_chars = sum(map(len, items))
    dup_chars = total_chars - sum(map(len, unique))
    return (len(items) - len(unique)) / len(items), (dup_chars / total_chars if total_chars else 0.0)


def dup_signals(lines: Sequence[str], paragraphs: Sequence[str], line_chars: int | None = None) -> dict[str, float]:
    """Lines and paragraphs that repeat an earlier one (`line_chars`: the lines' length, if known)."""
    line_frac, line_char_frac = _dup_fractions(lines, line_chars)
    para_frac, para_char_frac = _dup_fractions(paragraphs)
    return {
        "gopher_dup_line_frac": round(line_frac, 4),
        "gopher_dup_line_char_frac": round(line_char_frac, 4),
        "gopher_dup_para_frac": round(para_frac, 4),
        "gopher_dup_para_char_frac": round(para_char_frac, 4),
    }


def _first_per_doc(docs: I64) -> I64:
    """Indices of the first element of each run of equal values in `docs` (grouped, ascending)."""
    return np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))


class _Chunk:
    """The words of up to `_CHUNK_DOCS` documents laid end to end, as the n-gram passes need them."""

    def __init__(self, docs: Sequence[Sequence[str]]) -> None:
        counts = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        n = int(counts.sum())
        words = chain.from_iterable(docs)
        self.ids = np.fromiter(map(hash, words), dtype=np.int64, count=n).view(np.uint64)
        self.lens = np.fromiter(map(len, chain.from_iterable(docs)), dtype=np.int64, count=n)
        self.cum = np.concatenate(([0], np.cumsum(self.lens)))
        ends = np.cumsum(counts)
        self.doc = np.repeat(np.arange(len(docs), dtype=np.int64), counts)
        self.room = np.repeat(ends, counts) - np.arange(n)  # words from each position to its document's end
        starts = ends - counts
        self.total = (self.cum[ends] - self.cum[starts]).astype(np.float64)
        self.total[self.total == 0] = 1.0
        self.bits = max(1, len(docs).bit_length())  # room for one spare index, len(docs)
        self.tag = self.doc.astype(np.uint64) << np.uint64(64 - self.bits)
        self.spare = np.uint64(((1 << self.bits) - 1) << (64 - self.bits))
        self.n = n
        self.n_docs = len(docs)

    def keys(self, hashes: U64, positions: I64) -> U64:
        """Sort keys of the n-grams at `positions`: document index on top, then the hash's high bits."""
        return self.tag[positions] | (hashes[positions] >> np.uint64(self.bits))

    def top_chars(self, hashes: U64, m: int, *, repeated: bool = False) -> tuple[npt.NDArray[np.float64], I64]:
        """Per document: characters covered by all occurrences of its most frequent m-gram (0 when
        none repeats). Ties go to the m-gram that occurs first; its first occurrence gives the length.
        With `repeated`, also the positions (ascending) whose m-gram occurs more than once."""
        out = np.zeros(self.n_docs, dtype=np.float64)
        none = np.zeros(0, dtype=np.int64)
        size = hashes.size
        keys = hashes >> np.uint64(self.bits)
        keys |= self.tag[:size]
        # m-grams that run past their document's end go to the spare document index, sorted last
        past_end = self.room[:size] < m
        keys[past_end] = self.spare
        valid = size - int(np.count_nonzero(past_end))
        if valid == 0:
            return out, none
        if repeated:
            order = np.argsort(keys)[:valid]
            ordered = keys[order]
        else:
            ordered = np.sort(keys)[:valid]
        new = np.concatenate(([True], ordered[1:] != ordered[:-1]))
        starts = np.flatnonzero(new)
        runs = np.diff(np.append(starts, valid))
        run_doc = (ordered[starts] >> np.uint64(64 - self.bits)).astype(np.int64)
        first_run = _first_per_doc(run_doc)
        best_count = np.maximum.reduceat(runs, first_run)
        keep = best_count >= 2
        if not keep.any():
            return out, none
        # every run reaching its document's maximum count: a tie goes to the m-gram that occurs first in the
        # text (as Counter.most_common in the Gopher/datatrove definition), never to a hash order, which
        # changes with PYTHONHASHSEED from one process to the next
        group_sizes = np.diff(np.append(first_run, runs.size))
        is_best = (runs == np.repeat(best_count, group_sizes)) & np.repeat(keep, group_sizes)
        best_runs = np.flatnonzero(is_best)
        best_doc = run_doc[best_runs]
        group = _first_per_doc(best_doc)
        docs = best_doc[group]
        counts = runs[best_runs[group]]
        if repeated:
            run_first = np.minimum.reduceat(order, starts)  # each run's earliest position
            hits = np.minimum.reduceat(run_first[best_runs], group)
            multiple = ~new
            multiple[:-1] |= multiple[1:]
            found = np.sort(order[multiple])
        else:
            hits = np.flatnonzero(np.isin(keys, ordered[starts[best_runs]]))
            hits = hits[_first_per_doc(self.doc[hits])]
            found = none
        out[docs] = counts * (self.cum[hits + m] - self.cum[hits])
        return out, found

    def repeats(self, hashes: U64, candidates: I64) -> tuple[I64, I64]:
        """Of the m-grams at `candidates` (ascending), (those that repeat an earlier one in their
        document, all whose key occurs more than once)."""
        if candidates.size == 0:
            return candidates, candidates
        keys = self.keys(hashes, candidates)
        order = np.argsort(keys, kind="stable")  # stable: within equal keys, earliest position first
        ordered = keys[order]
        same_as_prev = ordered[1:] == ordered[:-1]
        repeat = np.concatenate(([False], same_as_prev))
        in_group = repeat | np.concatenate((same_as_prev, [False]))
        return candidates[order[repeat]], np.sort(candidates[order[in_group]])

    def covered_chars(self, starts: I64, m: int) -> npt.NDArray[np.float64]:
        """Per document: characters of the words covered by at least one m-gram starting at `starts`."""
        n = self.n
        depth = np.cumsum(np.bincount(starts, minlength=n + 1) - np.bincount(starts + m, minlength=n + 1))
        covered = depth[:n] > 0
        chars = np.bincount(self.doc[covered], weights=self.lens[covered], minlength=self.n_docs)
        return chars.astype(np.float64, copy=False)  # float64 already (weights); for the type checker


def _chunk_signals(docs: Sequence[Sequence[str]], scale: int) -> list[dict[str, float]]:
    chunk = _Chunk(docs)
    values: dict[str, npt.NDArray[np.float64]] = {}
    hashes = chunk.ids.copy()
    # a repeated longer n-gram starts where a 5-gram repeats: after k=5 only those positions are sorted
    candidates = np.arange(chunk.n, dtype=np.int64)
    longest = max(map(len, docs), default=0)
    for m in range(2, min(longest, DUP_NGRAMS[-1] * scale) + 1):
        # hash of the m-gram at i from the (m-1)-gram at i and the word at i+m-1
        hashes = hashes[:-1]
        hashes *= _MULT
        hashes += chunk.ids[m - 1 :]
        k, rest = divmod(m, scale)
        if rest or k < 2:
            continue
        if k in TOP_NGRAMS:
            last_top = k == TOP_NGRAMS[-1]
            top, repeated = chunk.top_chars(hashes, m, repeated=last_top)
            values[_TOP_KEYS[k]] = np.minimum(1.0, top / chunk.total)
            if last_top:
                # a repeated (k+1)-gram at i has repeated k-grams at i and i+1: only those positions
                # can hold one (the same set as all positions, and far fewer to sort)
                follows = np.zeros(chunk.n + 1, dtype=bool)
                follows[repeated] = True
                candidates = repeated[follows[repeated + 1]]
            continue
        candidates = candidates[chunk.room[candidates] >= m]
        starts, candidates = chunk.repeats(hashes, candidates)
        if starts.size == 0:
            break  # no repeated k-gram means no repeated longer n-gram either
        values[_DUP_KEYS[k]] = chunk.covered_chars(starts, m) / chunk.total
    columns = {key: column.tolist() for key, column in values.items()}
    out: list[dict[str, float]] = []
    for i, words in enumerate(docs):
        signals = dict.fromkeys(NGRAM_KEYS, 0.0)
        if len(words) >= 2:
            for key, column in columns.items():
                value = column[i]
                if value:  # most are 0.0, which round() would return as it is
                    signals[key] = round(value, 4)
        out.append(signals)
    return out


def ngram_signals(docs: Sequence[Sequence[str]], scale: int = 1) -> list[dict[str, float]]:
    """The top and duplicate n-gram signals of each word list, all in a few numpy passes.

    `scale` > 1 measures a "k-gram" as k*scale units: for scripts counted per character,
    where one word is several units (zh/ja ~2, th ~4)."""
    out: list[dict[str, float]] = []
    for i in range(0, len(docs), _CHUNK_DOCS):
        out += _chunk_signals(docs[i : i + _CHUNK_DOCS], scale)
    return out
