"""Bounded sampling of long texts for language ID: a few evenly spaced windows, never the whole text."""

from __future__ import annotations


def _has_letters(text: str, wanted: int) -> bool:
    """At least `wanted` letters; stops at the `wanted`-th (counting a whole sentence costs ~30 µs)."""
    if wanted <= 0:
        return True
    for ch in text:
        if ch.isalpha():
            wanted -= 1
            if wanted == 0:
                return True
    return False


def _window(text: str, start: int, size: int) -> str:
    """`text[start:start+size]`, moved off half words at both ends where a space is near."""
    end = min(len(text), start + size)
    if start > 0:
        space = text.find(" ", start, start + 40)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", end - 40, end)
        end = space if space > start else end
    return text[start:end]


def sample_pieces(text: str, piece_chars: int, max_pieces: int, min_letters: int) -> list[str]:
    """Up to `max_pieces` windows of about `piece_chars` characters spread from start to end.

    Pieces with fewer than `min_letters` letters (numbers, symbols, very short text) are left out,
    so a text without any piece is undetermined. Only ~max_pieces * piece_chars characters of a
    long text are ever looked at, and every window is one line (fastText reads lines).
    """
    if len(text) <= piece_chars:
        flat = " ".join(text.split())
        return [flat] if _has_letters(flat, min_letters) else []
    # flatten only the spans we look at: whitespace-collapsing a 10 MB text would cost more than the ID
    count = min(max_pieces, -(-len(text) // piece_chars))
    raw = piece_chars + 80  # a little slack for the whitespace that collapsing removes
    last = max(0, len(text) - raw)
    starts = [round(j * last / (count - 1)) for j in range(count)] if count > 1 else [0]
    pieces = []
    for j, start in enumerate(starts):
        flat = " ".join(text[start : start + raw].split())
        if j == count - 1 and count > 1:  # the last window ends where the text ends
            piece = _window(flat, max(1, len(flat) - piece_chars), piece_chars)
        else:  # a window inside the text most likely starts mid-word: `_window` skips to the next space
            piece = _window(flat, 1 if start else 0, piece_chars)
        if _has_letters(piece, min_letters):
            pieces.append(piece)
    return pieces
