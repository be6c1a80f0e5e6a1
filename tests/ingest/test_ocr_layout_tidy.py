"""Running heads read first (`ocr.bands`) and justified lines cut at a wide gap joined (`ocr.rejoin`)."""

from __future__ import annotations

from dataharbor.ingest.ocr import bands, rejoin
from dataharbor.ingest.ocr.rejoin import rejoin_lines
from dataharbor.ingest.ocr.types import OcrLine

H = 40  # line height in these layouts


def column(left: int, right: int, top: int, count: int) -> list[tuple[int, int, int, int]]:
    return [(left, top + k * 50, right, top + k * 50 + H) for k in range(count)]


def test_a_running_head_is_read_first_and_a_folio_at_the_foot_last() -> None:
    left, right = column(100, 1000, 300, 10), column(1060, 1960, 300, 10)
    head, folio, foot = (1700, 100, 1960, 140), (100, 100, 160, 140), (1000, 900, 1060, 940)
    # Tesseract's order: the folio, the left column, the head word at the right, the right column, foot
    boxes = [folio, *left, head, *right, foot]
    order = bands.band_order(boxes)
    assert order[:2] == [0, 11]  # folio then head, left to right
    assert order[2:] == [*range(1, 11), *range(12, 22), 22]


def test_no_band_when_the_top_lines_are_wide_or_not_apart() -> None:
    body = column(100, 1900, 300, 8)
    title = (100, 100, 1900, 160)  # a wide title stays where Tesseract put it
    assert bands.band_order([*body[:3], title, *body[3:]]) == list(range(9))
    close = (100, 300 - H - 5, 200, 300 - 5)  # a short line right above the text: a paragraph's end
    assert bands.band_order([*body, close]) == list(range(9))


def test_pieces_of_a_justified_line_are_joined_but_columns_are_not() -> None:
    col = column(100, 1000, 100, 9)
    # the 5th line cut at a wide gap; the lines above and below run across the gap
    pieces = [(100, 300, 400, 340), (600, 300, 1000, 340)]
    boxes = [*col[:4], pieces[1], pieces[0], *col[5:]]
    assert rejoin.joined_pairs(boxes) == [(5, 4)]
    # two columns side by side: nothing of either column runs across the gutter
    two = [*column(100, 1000, 100, 9), *column(1060, 1960, 100, 9)]
    assert rejoin.joined_pairs(two) == []
    # under a title across both columns (a line above, but none below, crosses the gutter)
    title = (100, 20, 1960, 80)
    assert rejoin.joined_pairs([title, *two]) == []


def test_joined_pieces_read_left_then_right_where_the_first_stood() -> None:
    boxes = [*column(100, 1000, 100, 4), (600, 300, 1000, 340), (100, 300, 400, 340), *column(100, 1000, 350, 3)]
    texts = ["one", "two", "three", "four", "cleaner's", "indifferent to", "five", "six", "seven"]
    lines = [OcrLine(t, b, 0.9) for t, b in zip(texts, boxes, strict=True)]
    out = [line.text for line in rejoin_lines(lines)]
    assert out == ["one", "two", "three", "four", "indifferent to cleaner's", "five", "six", "seven"]


def test_a_caption_across_two_columns_is_read_before_the_columns_under_it() -> None:
    caption = (100, 100, 1960, 140)
    left, right = column(100, 1000, 200, 6), column(1060, 1960, 200, 6)
    # Tesseract's order: the left column, then the caption, then the right column
    boxes = [*left, caption, *right]
    assert bands.spanning_first(boxes) == [6, *range(6), *range(7, 13)]
    # a line over one column only is left where Tesseract put it (only lines across a gutter move)
    one_column = [*left, (100, 100, 700, 140), *right]
    assert bands.spanning_first(one_column) == list(range(13))
