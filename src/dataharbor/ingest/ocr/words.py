"""Per-word choice between Tesseract's and RapidOCR's reading of one line.

The line-level choice (recognize.py) keeps one engine's whole line. The two engines make different
mistakes inside a line, so where both read it the words are aligned and each differing pair is
settled on its own: the word found in Tesseract's own dictionary wins (its model ships a word list:
~340 k English words, ~74 k French, engines.tesseract_words), and when both or neither are words the
surer engine wins (Tesseract's word confidence against RapidOCR's mean character probability).
Words the alignment cannot pair one to one (a merged or split word, a dropped one), and their
neighbours, keep the line-level choice: swapping single words there would lose or double text.

Measured on the synthetic tuning set only (bench/accuracy/ocr.py --tune; docs/ocr.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dataharbor.ingest.asr.normalize import edit_distance

MAX_DIFFERENCE = 0.5  # pairs differing in more than this share of characters are not the same word
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def align(left: Sequence[str], right: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """Word alignment (index in left or None, index in right or None), in order: a gap costs 1, a
    pairing 1.5 × the share of characters that differ."""
    n, m = len(left), len(right)
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int]]] = [[(0, 0)] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i and cost[i - 1][j] + 1 < cost[i][j]:
                cost[i][j], back[i][j] = cost[i - 1][j] + 1, (i - 1, j)
            if j and cost[i][j - 1] + 1 < cost[i][j]:
                cost[i][j], back[i][j] = cost[i][j - 1] + 1, (i, j - 1)
            if i and j:
                a, b = left[i - 1], right[j - 1]
                pair = cost[i - 1][j - 1] + 1.5 * edit_distance(a, b) / max(len(a), len(b), 1)
                if pair < cost[i][j]:
                    cost[i][j], back[i][j] = pair, (i - 1, j - 1)
    out: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i or j:
        pi, pj = back[i][j]
        out.append((pi if pi < i else None, pj if pj < j else None))
        i, j = pi, pj
    return out[::-1]


def split_words(text: str, char_confs: Sequence[float]) -> tuple[list[str], list[float]]:
    """Words of `text` and each one's mean character probability (1.0 where none were given)."""
    confs = list(char_confs) if len(char_confs) == len(text) else [1.0] * len(text)
    words: list[str] = []
    means: list[float] = []
    current, probs = "", list[float]()
    for ch, p in zip(text + " ", [*confs, 1.0], strict=True):
        if ch.isspace():
            if current:
                words.append(current)
                means.append(sum(probs) / len(probs))
            current, probs = "", list[float]()
        else:
            current += ch
            probs.append(p)
    return words, means


def in_dictionary(word: str, dictionary: frozenset[str]) -> bool:
    """Whether `word` (punctuation at its ends stripped) is a dictionary word, as written, lower-cased
    or capitalised; numbers and bare punctuation count as words (there is nothing to check)."""
    core = _EDGES.sub("", word)
    if not core or any(ch.isdigit() for ch in core):
        return True
    return core in dictionary or core.lower() in dictionary or core.capitalize() in dictionary


def combine(
    t_words: Sequence[str],
    t_confs: Sequence[float],
    r_text: str,
    r_char_confs: Sequence[float],
    rapid_line: bool,
    dictionary: frozenset[str],
) -> str:
    """The line from both readings: `t_words`/`t_confs` (0..1) Tesseract's, `r_text` with its character
    probabilities RapidOCR's; `rapid_line` says which engine the line-level rule chose."""
    r_words, r_confs = split_words(r_text, r_char_confs)
    pairs = align(t_words, r_words)
    gap = [a is None or b is None for a, b in pairs]
    out: list[str] = []
    for k, (a, b) in enumerate(pairs):
        near_gap = gap[k] or (k > 0 and gap[k - 1]) or (k + 1 < len(pairs) and gap[k + 1])
        if near_gap or a is None or b is None:
            if rapid_line and b is not None:
                out.append(r_words[b])
            elif not rapid_line and a is not None:
                out.append(t_words[a])
            continue
        t, r = t_words[a], r_words[b]
        if t == r or edit_distance(t, r) / max(len(t), len(r)) > MAX_DIFFERENCE:
            out.append(r if rapid_line else t)
            continue
        t_known, r_known = in_dictionary(t, dictionary), in_dictionary(r, dictionary)
        if t_known != r_known:
            out.append(t if t_known else r)
        else:
            out.append(t if t_confs[a] > r_confs[b] else r)
    return " ".join(out)


# A gap between two of Tesseract's word boxes narrower than this share of the line's height is
# kerning or a broken letter, not a word space: no space is put back there.
MIN_SPACE_SHARE = 0.15


def restore_spaces(
    r_text: str, t_words: Sequence[str], t_boxes: Sequence[tuple[int, int, int, int]], line_height: int
) -> str:
    """RapidOCR's reading of a line with the word spaces it dropped put back where Tesseract saw them.

    RapidOCR's recogniser often runs words together across the wide gaps of justified type
    ("carryingouthis"); Tesseract finds words from the gaps between their ink. The two readings are
    aligned character by character, and a space of Tesseract's that falls between two of RapidOCR's
    characters (no space there) is inserted when Tesseract's two words lie a real gap apart.
    """
    if len(t_words) < 2 or not r_text:
        return r_text
    t_text = " ".join(t_words)
    wide = set()  # positions in t_text of the spaces between words a real gap apart
    pos = 0
    for k in range(len(t_words) - 1):
        pos += len(t_words[k])
        if t_boxes[k + 1][0] - t_boxes[k][2] >= MIN_SPACE_SHARE * max(line_height, 1):
            wide.add(pos)
        pos += 1
    if not wide:
        return r_text
    insert_before: set[int] = set()  # indices of r_text that a space should precede
    for r_index, t_index in _char_alignment(r_text, t_text):
        # t's space aligned to nothing in r, with r's characters on both sides not spaces
        if t_index not in wide:
            continue
        if 0 < r_index < len(r_text) and not r_text[r_index - 1].isspace() and not r_text[r_index].isspace():
            insert_before.add(r_index)
    return "".join((" " + ch) if i in insert_before else ch for i, ch in enumerate(r_text))


def _char_alignment(a: str, b: str) -> list[tuple[int, int]]:
    """For each character of `b` left unpaired by a minimal edit alignment with `a`: (the index in
    `a` before which it would stand, its index in `b`). Paired characters are left out."""
    n, m = len(a), len(b)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        row, above = cost[i], cost[i - 1]
        ai = a[i - 1]
        for j in range(1, m + 1):
            row[j] = min(above[j - 1] + (ai != b[j - 1]), above[j] + 1, row[j - 1] + 1)
    out: list[tuple[int, int]] = []
    i, j = n, m
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            i, j = i - 1, j - 1
        elif j and cost[i][j] == cost[i][j - 1] + 1:
            out.append((i, j - 1))  # b[j-1] unpaired: it would stand before a[i]
            j -= 1
        else:
            i -= 1
    return out[::-1]
