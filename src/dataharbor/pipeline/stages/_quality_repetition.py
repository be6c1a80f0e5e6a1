"""Gopher repetition signals: duplicate lines/paragraphs and repeated word n-grams.

Words are hashed to 64-bit integers once; the hash of every n-gram is then built from the
(n-1)-gram hashes with one vectorised multiply-add, so all n from 2 to 10 cost nine numpy
passes over an integer array instead of nine Python loops that join strings (datatrove's way,
which took 80 of 113 CPU-seconds of its whole filter pipeline). Duplicates are found by sorting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

TOP_NGRAMS = (2, 3, 4)
DUP_NGRAMS = (5, 6, 7, 8, 9, 10)
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant: a bijective mix step per word

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]


def _dup_fractions(items: Sequence[str]) -> tuple[float, float]:
    """(share of items that repeat an earlier one, share of characters in those repeats)."""
    if not items:
        return 0.0, 0.0
    unique = set(items)
    total_chars = sum(map(len, items))
    dup_chars = total_chars - sum(map(len, unique))
    return (len(items) - len(unique)) / len(items), (dup_chars / total_chars if total_chars else 0.0)


def _top_ngram_chars(hashes: U64, k: int, cum: I64) -> int:
    """Characters covered by all occurrences of the most frequent k-gram (0 if none repeats)."""
    ordered = np.sort(hashes)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    runs = np.diff(np.append(starts, ordered.size))
    best = int(runs.argmax())
    count = int(runs[best])
    if count < 2:
        return 0
    pos = int(np.argmax(hashes == ordered[starts[best]]))
    return count * int(cum[pos + k] - cum[pos])


def _repeats(hashes: U64, positions: I64) -> tuple[I64, I64]:
    """Of the k-grams at `positions` (ascending), (those that repeat an earlier one, all whose
    hash occurs more than once)."""
    sub = hashes[positions]
    order = np.argsort(sub, kind="stable")  # stable: within equal hashes, earliest position first
    ordered = sub[order]
    same_as_prev = ordered[1:] == ordered[:-1]
    repeat = np.concatenate(([False], same_as_prev))
    in_group = repeat | np.concatenate((same_as_prev, [False]))
    return positions[order[repeat]], np.sort(positions[order[in_group]])


def _covered_chars(starts: I64, k: int, lens: I64) -> int:
    """Characters of the words covered by at least one k-gram starting at `starts`."""
    n = lens.size
    depth = np.cumsum(np.bincount(starts, minlength=n + 1) - np.bincount(starts + k, minlength=n + 1))
    return int(lens[depth[:n] > 0].sum())


def repetition_signals(
    lines: Sequence[str], paragraphs: Sequence[str], words: Sequence[str], scale: int = 1
) -> dict[str, float]:
    """`scale` > 1 measures a "k-gram" as k*scale units: for scripts counted per character,
    where one word is several units (zh/ja ~2, th ~4)."""
    out: dict[str, float] = {}
    line_frac, line_char_frac = _dup_fractions(lines)
    para_frac, para_char_frac = _dup_fractions(paragraphs)
    out["gopher_dup_line_frac"] = round(line_frac, 4)
    out["gopher_dup_line_char_frac"] = round(line_char_frac, 4)
    out["gopher_dup_para_frac"] = round(para_frac, 4)
    out["gopher_dup_para_char_frac"] = round(para_char_frac, 4)
    for k in TOP_NGRAMS:
        out[f"gopher_top_{k}gram_char_frac"] = 0.0
    for k in DUP_NGRAMS:
        out[f"gopher_dup_{k}gram_char_frac"] = 0.0
    n = len(words)
    if n < 2:
        return out
    ids = np.fromiter(map(hash, words), dtype=np.int64, count=n).view(np.uint64)
    lens = np.fromiter(map(len, words), dtype=np.int64, count=n)
    cum = np.concatenate(([0], np.cumsum(lens)))
    total = float(cum[-1]) or 1.0
    hashes = ids
    # a repeated longer n-gram starts where a 5-gram repeats: after k=5 only those positions are sorted
    candidates = np.arange(n, dtype=np.int64)
    for m in range(2, min(n, DUP_NGRAMS[-1] * scale) + 1):
        # hash of the m-gram at i from the (m-1)-gram at i and the word at i+m-1
        hashes = hashes[:-1] * _MULT + ids[m - 1 :]
        k, rest = divmod(m, scale)
        if rest or k < 2:
            continue
        if k in TOP_NGRAMS:
            out[f"gopher_top_{k}gram_char_frac"] = round(min(1.0, _top_ngram_chars(hashes, m, cum) / total), 4)
            continue
        candidates = candidates[candidates < hashes.size]
        starts, candidates = _repeats(hashes, candidates)
        if starts.size == 0:
            break  # no repeated k-gram means no repeated longer n-gram either
        out[f"gopher_dup_{k}gram_char_frac"] = round(_covered_chars(starts, m, lens) / total, 4)
    return out
