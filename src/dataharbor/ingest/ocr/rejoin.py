"""Justified lines that Tesseract cut in two at a wide word gap, joined again.

In justified type a short line can have word gaps as wide as a column gutter; Tesseract then finds
two "columns" for a few lines and may read the right-hand pieces before the left-hand ones. Two
pieces are joined when they stand side by side on one text line and a line of the same column,
close above them and close below them, runs across the gap between them (across a gutter no line
of the column does; a title or caption that spans the columns is wider than the column, so it
does not count).
"""

from __future__ import annotations

from collections.abc import Sequence

from dataharbor.ingest.ocr.types import Box, OcrLine, median_height

MIN_OVERLAP = 0.6  # the pieces share this share of the lower one's height
NEAR_LINES = 3.0  # the bridging lines are within this many line heights above and below
WIDER_LINES = 2.0  # a bridging line reaches at most this many line heights past the pieces' outer ends


def joined_pairs(boxes: Sequence[Box]) -> list[tuple[int, int]]:
    """(left, right) index pairs of `boxes` (left, top, right, bottom) to be read as one line, left
    piece first; a piece is in at most one pair (a line cut twice is joined by applying this again)."""
    n = len(boxes)
    if n < 4:
        return []
    line_px = median_height(boxes)
    pairs: list[tuple[int, int]] = []
    used: set[int] = set()
    for a in sorted(range(n), key=lambda i: (boxes[i][1], boxes[i][0])):
        if a in used:
            continue
        candidates = [b for b in range(n) if b != a and b not in used and _side_by_side(boxes[a], boxes[b])]
        for b in sorted(candidates, key=lambda i: boxes[i][0]):
            if _bridged(boxes, a, b, line_px):
                pairs.append((a, b))
                used.update((a, b))
                break
    return pairs


def _side_by_side(left: Box, right: Box) -> bool:
    overlap = min(left[3], right[3]) - max(left[1], right[1])
    lower = min(left[3] - left[1], right[3] - right[1])
    return left[2] <= right[0] and overlap >= MIN_OVERLAP * max(lower, 1)


def _bridged(boxes: Sequence[Box], a: int, b: int, line_px: int) -> bool:
    """Whether lines of the same column, close above and close below, run across the gap a|b."""
    left, right = boxes[a], boxes[b]
    top, bottom = min(left[1], right[1]), max(left[3], right[3])
    reach = WIDER_LINES * line_px
    above = below = False
    for k, (lx, ly, rx, ry) in enumerate(boxes):
        if k in (a, b) or not (lx <= left[2] and rx >= right[0]):
            continue  # it does not run across the gap
        if lx < left[0] - reach or rx > right[2] + reach:
            continue  # wider than the pieces' column: a title or a caption across the columns
        above = above or 0 <= top - ry <= NEAR_LINES * line_px
        below = below or 0 <= ly - bottom <= NEAR_LINES * line_px
    return above and below


def position(boxes: Sequence[Box], a: int, b: int) -> int:
    """Where the joined line is read: at the piece that follows, in the given order, the line just
    above the pair in its column (Tesseract may have put the other piece out of the flow); else the
    earlier piece."""
    top = min(boxes[a][1], boxes[b][1])
    line_px = max(boxes[a][3] - boxes[a][1], boxes[b][3] - boxes[b][1], 1)
    left, right = min(boxes[a][0], boxes[b][0]), max(boxes[a][2], boxes[b][2])
    for piece in sorted((a, b)):
        if piece == 0:
            continue
        lx, _, rx, ry = boxes[piece - 1]
        if 0 <= top - ry <= NEAR_LINES * line_px and lx < right and rx > left:
            return piece
    return min(a, b)


def rejoin_lines(lines: list[OcrLine]) -> list[OcrLine]:
    """Pieces of one text line joined (`joined_pairs`), left piece first, read where it belongs (`position`)."""
    for _ in range(3):  # a line cut in three pieces takes two rounds
        boxes = [line.bbox for line in lines]
        pairs = joined_pairs(boxes)
        if not pairs:
            break
        joined: dict[int, OcrLine] = {}
        drop: set[int] = set()
        for a, b in pairs:
            left, right = lines[a], lines[b]
            chars = len(left.text) + len(right.text)
            confidence = (left.confidence * len(left.text) + right.confidence * len(right.text)) / max(chars, 1)
            box = (left.bbox[0], min(left.bbox[1], right.bbox[1]), right.bbox[2], max(left.bbox[3], right.bbox[3]))
            at = position(boxes, a, b)
            text = f"{left.text} {right.text}"
            joined[at] = OcrLine(text, box, round(confidence, 4), left.engine, lines[at].block)
            drop.add(b if at == a else a)
        lines = [joined.get(i, line) for i, line in enumerate(lines) if i not in drop]
    return lines
