"""C4 line rules (Raffel et al. 2020) as document signals, plus C4's optional line-removal rewrite.

C4 deletes offending lines and whole pages; here each rule is measured as a share of the page so
the profile decides. Terminal punctuation covers the scripts we know, not only ASCII `.!?"`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# sentence ends in Latin, CJK (full-width), Devanagari, Arabic/Urdu, Ethiopic, Myanmar, Khmer,
# Armenian, Tibetan, Mongolian, Canadian syllabics, Javanese; ';' is the Greek question mark;
# closing quotes/brackets after a full stop
TERMINAL = frozenset(".!?\"'”’»)]…。！？．｡」』।॥؟۔።။។։།;᠃᠉᙮꧉")
_LOREM = "lorem ipsum"
MIN_WORDS_PER_LINE = 3
MIN_CHARS_PER_LINE = 5  # for scripts counted in characters


def policy_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) or "(?!)"
    return re.compile(alternatives)


def _lines_with(needles: Sequence[str], text: str) -> int:
    """How many lines of `text` hold one of `needles`: `str.find` per needle runs in C, far faster
    than one regex alternation (and a line-anchored `^.*x.*$` backtracks quadratically)."""
    starts: set[int] = set()
    for needle in needles:
        at = text.find(needle)
        while at != -1:
            starts.add(text.rfind("\n", 0, at))
            at = text.find(needle, at + 1)
    return len(starts)


def _is_short(line: str, char_unit: bool) -> bool:
    if char_unit:
        return len(line) < MIN_CHARS_PER_LINE
    return len(line.split(maxsplit=MIN_WORDS_PER_LINE - 1)) < MIN_WORDS_PER_LINE


def _unpunctuated_chars(lines: Sequence[str]) -> int:
    """Characters of sentences that end without terminal punctuation. A line that runs on into a
    next line starting in lower case is a hard-wrapped sentence, judged by where it ends."""
    total = block = 0
    last = len(lines) - 1
    for i, line in enumerate(lines):
        block += len(line)
        if line[-1] in TERMINAL:
            block = 0
        elif i == last or not lines[i + 1][0].islower():
            total += block
            block = 0
    return total


def c4_signals(text: str, lines: Sequence[str], policy: Sequence[str], char_unit: bool) -> dict[str, float]:
    n = len(lines)
    if n == 0:
        return {
            "c4_lorem_ipsum": 0, "c4_no_terminal_punct_frac": 0.0, "c4_javascript_frac": 0.0,
            "c4_curly_brace_ratio": 0.0, "c4_policy_frac": 0.0, "c4_short_line_frac": 0.0,
        }  # fmt: skip
    lower = text.lower()
    total_chars = sum(map(len, lines))
    return {
        "c4_lorem_ipsum": lower.count(_LOREM),
        # weighted by characters: a page of prose keeps its short headings
        "c4_no_terminal_punct_frac": round(_unpunctuated_chars(lines) / total_chars, 4),
        "c4_javascript_frac": round(_lines_with(("javascript",), lower) / n, 4),
        # braces per word: code is dense with them, prose with an editorial {insertion} is not
        "c4_curly_brace_ratio": round((text.count("{") + text.count("}")) / max(1, len(text.split())), 4),
        "c4_policy_frac": round(_lines_with(policy, lower) / n, 4),
        "c4_short_line_frac": round(sum(1 for s in lines if _is_short(s, char_unit)) / n, 4),
    }


def c4_remove_lines(text: str, policy: re.Pattern[str], char_unit: bool, terminal_punctuation: bool) -> tuple[str, int]:
    """C4's cleaning: drop lines without terminal punctuation, too short, JavaScript or policy lines."""
    kept: list[str] = []
    removed = 0
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            kept.append(raw)
            continue
        lower = line.lower()
        if (
            (terminal_punctuation and line[-1] not in TERMINAL)
            or _is_short(line, char_unit)
            or "javascript" in lower
            or policy.search(lower)
        ):
            removed += 1
            continue
        kept.append(raw)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip(), removed
