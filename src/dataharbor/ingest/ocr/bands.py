"""Running heads and folios: the short lines alone at the top or foot of a page, read first or last.

Tesseract finds a running head (a section name, the page number at the outer edge) as its own small
blocks and may order them after the first column, or split them (the page number first, the head
after the column). A reader, and the usual ground-truth convention, reads the head band first and a
folio at the foot last. A band is the lines at the very top (or bottom) of the page, all short,
with a clear vertical gap between them and every other line; it is moved, left to right, to the
start (or end). Anything else keeps Tesseract's order.
"""

from __future__ import annotations

from collections.abc import Sequence

from dataharbor.ingest.ocr.types import Box, median_height

MAX_WIDTH_SHARE = 0.4  # a band line is at most this share of the text's width (a head, a folio)
MIN_GAP_LINES = 1.0  # the band stands this many line heights clear of the other lines (more than leading)
MAX_BAND_LINES = 4


def band_order(boxes: Sequence[Box]) -> list[int]:
    """Indices of `boxes` (left, top, right, bottom) in the given order, except that a head band
    comes first and a foot band last (each left to right)."""
    n = len(boxes)
    if n < 3:
        return list(range(n))
    line_px = median_height(boxes)
    text_width = max(b[2] for b in boxes) - min(b[0] for b in boxes)
    head = _band(boxes, line_px, text_width, top=True)
    foot = _band(boxes, line_px, text_width, top=False) - head
    middle = [i for i in range(n) if i not in head and i not in foot]
    by_x = sorted(head, key=lambda i: boxes[i][0]), sorted(foot, key=lambda i: boxes[i][0])
    return [*by_x[0], *middle, *by_x[1]]


def _band(boxes: Sequence[Box], line_px: int, text_width: int, top: bool) -> set[int]:
    """The lines at the top (or bottom) within one line height of the outermost, if they form a band."""
    sign = 1 if top else -1
    edge = [sign * (b[1] if top else b[3]) for b in boxes]  # smaller = nearer the page's edge
    outer = min(edge)
    band = {i for i, e in enumerate(edge) if e <= outer + line_px}
    if len(band) > MAX_BAND_LINES or len(band) == len(boxes):
        return set()
    if any(boxes[i][2] - boxes[i][0] > MAX_WIDTH_SHARE * text_width for i in band):
        return set()
    inner_side = [sign * (boxes[i][3] if top else boxes[i][1]) for i in band]  # the band's far side
    others = [edge[i] for i in range(len(boxes)) if i not in band]
    if min(others) - max(inner_side) < MIN_GAP_LINES * line_px:
        return set()
    return band


NEAR_LINES = 3.0  # the columns under a spanning line start within this many line heights of it


def spanning_first(boxes: Sequence[Box]) -> list[int]:
    """Indices of `boxes` in the given order, except that a line across columns comes before the
    lines under it: Tesseract can read a deck, or a caption under a picture across the columns, after
    the first column. A line is across columns when two lines side by side, with a gutter between
    them that no line near them crosses, start just under it, both under its extent."""
    order = list(range(len(boxes)))
    if len(boxes) < 3:
        return order
    line_px = median_height(boxes)
    for w in sorted(range(len(boxes)), key=lambda i: boxes[i][1]):
        left, _, right, bottom = boxes[w]
        near = [b for b in boxes if bottom <= b[1] <= bottom + NEAR_LINES * line_px and b[0] < right and b[2] > left]
        if not any(_gutter(a, b, near) for a in near for b in near):
            continue
        at = order.index(w)
        under = [
            k for k, i in enumerate(order[:at]) if boxes[i][1] >= bottom and boxes[i][0] < right and boxes[i][2] > left
        ]
        if under:
            order.insert(under[0], order.pop(at))
    return order


def _gutter(a: Box, b: Box, near: Sequence[Box]) -> bool:
    """Whether `a` and `b` stand side by side with a gutter between them: no line near them runs
    across the gap (pieces of one line broken by a light scan have whole lines across their gap)."""
    if not (a[2] < b[0] and min(a[3], b[3]) > max(a[1], b[1])):
        return False
    return not any(c[0] < a[2] and c[2] > b[0] for c in near)
