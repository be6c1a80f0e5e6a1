"""Pictures on a page (photos, halftones, drawn charts) and the caption lines that belong to them.

A picture is ink that no text line covers, in one connected region at least a few text lines
tall and wide; rules (thin in one direction) and leftover specks are not pictures. The page is
looked at on a grid of cells about half a text line high, so this costs milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dataharbor.ingest.ocr.types import Box

INK_SHARE = 0.05  # a cell with at least this share of dark pixels holds ink
MIN_SIDE_LINES = 3.0  # a picture is at least this many text-line heights tall and wide
CAPTION_GAP_LINES = 1.5  # a caption starts within this many line heights of its picture


def picture_boxes(mask: np.ndarray[Any, np.dtype[np.bool_]], lines: Sequence[Box], line_px: int) -> list[Box]:
    """Boxes of the pictures in `mask` (True = ink), the text `lines` excluded; `line_px`: text line height."""
    ink = mask.copy()
    pad = max(line_px // 4, 1)
    for left, top, right, bottom in lines:
        ink[max(top - pad, 0) : bottom + pad, max(left - pad, 0) : right + pad] = False
    cell = max(line_px // 2, 4)
    rows, cols = ink.shape[0] // cell, ink.shape[1] // cell
    if rows == 0 or cols == 0:
        return []
    share = ink[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell).mean(axis=(1, 3))
    boxes = []
    for r0, c0, r1, c1 in _components(share >= INK_SHARE):
        box = (c0 * cell, r0 * cell, (c1 + 1) * cell, (r1 + 1) * cell)
        if min(box[2] - box[0], box[3] - box[1]) >= MIN_SIDE_LINES * line_px:
            boxes.append(box)
    return boxes


def _components(grid: np.ndarray[Any, np.dtype[np.bool_]]) -> list[tuple[int, int, int, int]]:
    """Bounding cells (row0, col0, row1, col1) of the 8-connected True regions of a small grid."""
    seen = np.zeros_like(grid)
    out = []
    height, width = grid.shape
    for r, c in zip(*np.nonzero(grid), strict=True):
        if seen[r, c]:
            continue
        seen[r, c] = True
        stack, box = [(int(r), int(c))], [int(r), int(c), int(r), int(c)]
        while stack:
            y, x = stack.pop()
            box = [min(box[0], y), min(box[1], x), max(box[2], y), max(box[3], x)]
            for ny in range(max(y - 1, 0), min(y + 2, height)):
                for nx in range(max(x - 1, 0), min(x + 2, width)):
                    if grid[ny, nx] and not seen[ny, nx]:
                        seen[ny, nx] = True
                        stack.append((ny, nx))
        out.append((box[0], box[1], box[2], box[3]))
    return out


def captions(picture: Box, lines: Sequence[Box], blocks: Sequence[int], line_px: int) -> list[int]:
    """Indices of the lines that caption `picture`: the paragraph just below it, or lines beside it.

    Below: the first line under the picture (overlapping it horizontally) and the lines that follow
    it in the same paragraph. Beside: lines whose middle lies within the picture's height, next to
    its left or right edge.
    """
    left, top, right, bottom = picture
    gap = CAPTION_GAP_LINES * line_px
    below = [
        i
        for i, (lx, ly, rx, _) in enumerate(lines)
        if bottom <= ly <= bottom + gap and lx < right and rx > left and (lx + rx) / 2 >= left - line_px
    ]
    chosen: set[int] = set()
    if below:
        first = min(below, key=lambda i: lines[i][1])
        chosen.add(first)
        last_bottom = lines[first][3]
        for i in sorted((i for i, b in enumerate(blocks) if b == blocks[first]), key=lambda i: lines[i][1]):
            if lines[i][1] > lines[first][1] and lines[i][1] - last_bottom <= line_px:
                chosen.add(i)
                last_bottom = max(last_bottom, lines[i][3])
    for i, (lx, ly, rx, ry) in enumerate(lines):
        middle = (ly + ry) / 2
        if top <= middle <= bottom and (0 <= lx - right <= gap or 0 <= left - rx <= gap):
            chosen.add(i)
    return sorted(chosen)
