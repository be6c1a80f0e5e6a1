"""Reading order of text lines from their boxes: columns top to bottom, left column first.

Tesseract orders its blocks well inside a column but can put a block that spans the columns (a
title, the caption under a wide picture) after the first column, or a caption beside its figure
out of the column flow. The rules here are Breuel's ("High performance document layout analysis",
2003), as in OCRopus: line `a` comes before line `b` when

1. their horizontal extents overlap and `a` is higher on the page, or
2. `a` lies entirely to the left of `b` and no third line, vertically between them, reaches
   across from `a` into `b` (such a line — a title, a wide caption — separates a band of
   columns above it from one below it).

A topological sort of that partial order gives the reading order; lines the rules leave
unrelated keep the order they came in (Tesseract's). A picture and its caption lines are placed
as one unit with the box of both: a caption beside a picture that spans the columns is then read
with it, not after the column that the caption happens to sit next to.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dataharbor.ingest.ocr.types import Box

MAX_LINES = 1500  # the rules cost O(n^3) steps; past this, keep the order given


def reading_order(boxes: Sequence[Box], figures: Sequence[tuple[Box, Sequence[int]]] = ()) -> list[int]:
    """Indices of `boxes` (left, top, right, bottom) in reading order; `figures`: (picture box,
    indices of its caption lines), each placed as one unit."""
    n = len(boxes)
    if n > MAX_LINES:
        return list(range(n))
    units: list[list[int]] = []
    unit_boxes: list[Box] = []
    grouped: set[int] = set()
    for picture, members in figures:
        free = sorted((i for i in members if i not in grouped), key=lambda i: (boxes[i][1], boxes[i][0]))
        if free:
            grouped.update(free)
            units.append(free)
            unit_boxes.append(_union([picture, *(boxes[i] for i in free)]))
    for i in range(n):
        if i not in grouped:
            units.append([i])
            unit_boxes.append(boxes[i])
    # ties keep the given order: a figure unit stands where its earliest line came
    by_position = sorted(range(len(units)), key=lambda k: min(units[k]))
    units = [units[k] for k in by_position]
    unit_boxes = [unit_boxes[k] for k in by_position]
    if len(units) < 3:
        return [i for unit in units for i in unit]
    order = _topological(_precedes(np.asarray(unit_boxes, dtype=np.int64)))
    return [i for k in order for i in units[k]]


def _union(boxes: Sequence[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _precedes(box: np.ndarray) -> np.ndarray:
    """before[i, j]: line i must be read before line j."""
    left, top, right, bottom = box.T
    middle = (top + bottom) / 2
    x_overlap = (left[:, None] < right[None, :]) & (right[:, None] > left[None, :])
    left_of = right[:, None] <= left[None, :]
    before: np.ndarray = x_overlap & (middle[:, None] < middle[None, :])
    for i in np.flatnonzero(left_of.any(axis=1)):
        right_side = np.flatnonzero(left_of[i])
        # a separator starts left of i's right edge, ends right of j's left edge, and lies
        # vertically within the span from the higher top of (i, j) to the lower bottom
        crosses = (left[:, None] < right[i]) & (right[:, None] > left[None, right_side])
        low = np.minimum(top[i], top[right_side])
        high = np.maximum(bottom[i], bottom[right_side])
        between = (bottom[:, None] >= low[None, :]) & (top[:, None] <= high[None, :])
        separated = (crosses & between).any(axis=0)
        before[i, right_side[~separated]] = True
    np.fill_diagonal(before, False)
    return before


def _topological(before: np.ndarray) -> list[int]:
    """Depth-first: each line after every line that must precede it; ties in the given order."""
    n = len(before)
    done = np.zeros(n, dtype=bool)
    order: list[int] = []
    for start in range(n):
        if done[start]:
            continue
        done[start] = True
        stack = [(start, iter(np.flatnonzero(before[:, start]).tolist()))]
        while stack:
            node, preds = stack[-1]
            for p in preds:
                if not done[p]:
                    done[p] = True
                    stack.append((p, iter(np.flatnonzero(before[:, p]).tolist())))
                    break
            else:
                stack.pop()
                order.append(node)
    return order
