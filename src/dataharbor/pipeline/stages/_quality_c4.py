"""C4 line rules (Raffel et al. 2020) as document signals, plus C4's optional line-removal rewrite.

C4 deletes offending lines and whole pages; here each rule is measured as a share of the page so
the profile decides. Terminal punctuation covers the scripts we know, not only ASCII `.!?"`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain, repeat
from operator import itemgetter

from dataharbor.pipeline.stages._quality_text import TextView

# sentence ends in Latin, CJK (full-width), Devanagari, Arabic/Urdu, Ethiopic, Myanmar, Khmer,
# Armenian, Tibetan, Mongolian, Canadian syllabics, Javanese; ';' is the Greek question mark;
# closing quotes/brackets after a full stop
TERMINAL = frozenset(".!?\"'”’»)]…。！？．｡」』।॥؟۔።။។։།;᠃᠉᙮꧉")
_LOREM = "lorem ipsum"
MIN_WORDS_PER_LINE = 3
MIN_CHARS_PER_LINE = 5  # for scripts counted in characters


PolicyGroups = tuple[tuple[str, tuple[str, ...]], ...]


def policy_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) or "(?!)"
    return re.compile(alternatives)


def policy_groups(phrases: Sequence[str]) -> PolicyGroups:
    """The phrases grouped under a word that each of them contains ("cookie": 16 of the 33), so a
    page without that word is cleared of the whole group by one `str.find`. Greedy: the word found
    in most phrases first; a phrase that shares no word of 4+ characters is its own group."""
    left = list(dict.fromkeys(phrases))  # the same line counts once however many phrases it holds
    groups: list[tuple[str, tuple[str, ...]]] = []
    while left:
        words = {w for p in left for w in re.split(r"[\s']+", p) if len(w) >= 4}
        best = max(sorted(words), key=lambda w: sum(w in p for p in left), default="")
        members = tuple(p for p in left if best and best in p)
        if len(members) < 2:
            groups += [(p, (p,)) for p in left]
            break
        groups.append((best, members))
        left = [p for p in left if p not in members]
    return tuple(groups)


def _lines_with(needles: Sequence[str], text: str) -> int:
    """How many lines of `text` hold one of `needles`: `str.find` per needle runs in C, far faster
    than one regex alternation (and a line-anchored `^.*x.*$` backtracks quadratically)."""
    return len(_line_starts(needles, text, set()))


def _line_starts(needles: Sequence[str], text: str, starts: set[int]) -> set[int]:
    for needle in needles:
        at = text.find(needle)
        while at != -1:
            starts.add(text.rfind("\n", 0, at))
            at = text.find(needle, at + 1)
    return starts


def _lines_with_groups(groups: PolicyGroups, text: str) -> int:
    """`_lines_with` over all phrases of `groups`, skipping a group whose shared word is absent."""
    starts: set[int] = set()
    for anchor, phrases in groups:
        if anchor in text:
            _line_starts(phrases, text, starts)
    return len(starts)


def _is_short(line: str, char_unit: bool) -> bool:
    if char_unit:
        return len(line) < MIN_CHARS_PER_LINE
    return len(line.split(maxsplit=MIN_WORDS_PER_LINE - 1)) < MIN_WORDS_PER_LINE


def _short_lines(lines: Sequence[str], char_unit: bool) -> int:
    if char_unit:
        return sum(1 for line in lines if len(line) < MIN_CHARS_PER_LINE)
    # `_is_short` for every line, the splitting in C: a line is short when it has fewer than 3 tokens
    tokens = list(map(len, map(str.split, lines, repeat(None), repeat(MIN_WORDS_PER_LINE - 1))))
    return len(tokens) - tokens.count(MIN_WORDS_PER_LINE)


def _unpunctuated_chars(lines: Sequence[str]) -> int:
    """Characters of sentences that end without terminal punctuation. A line that runs on into a
    next line starting in lower case is a hard-wrapped sentence, judged by where it ends."""
    terminal = list(map(TERMINAL.__contains__, map(itemgetter(-1), lines)))
    if all(terminal):
        return 0
    total = block = 0
    next_lower = chain(map(str.islower, map(itemgetter(0), lines[1:])), (False,))
    for line, ends, runs_on in zip(lines, terminal, next_lower, strict=True):
        if ends:
            block = 0
            continue
        block += len(line)
        if not runs_on:
            total += block
            block = 0
    return total


def c4_signals(view: TextView, policy: PolicyGroups) -> dict[str, float]:
    """`policy`: the policy phrases as `policy_groups` returns them."""
    lines = view.lines
    n = len(lines)
    if n == 0:
        return {
            "c4_lorem_ipsum": 0, "c4_no_terminal_punct_frac": 0.0, "c4_javascript_frac": 0.0,
            "c4_curly_brace_ratio": 0.0, "c4_policy_frac": 0.0, "c4_short_line_frac": 0.0,
        }  # fmt: skip
    text, lower = view.text, view.lower
    braces = text.count("{") + text.count("}")
    return {
        "c4_lorem_ipsum": lower.count(_LOREM),
        # weighted by characters: a page of prose keeps its short headings
        "c4_no_terminal_punct_frac": round(_unpunctuated_chars(lines) / view.line_chars, 4),
        "c4_javascript_frac": round(_lines_with(("javascript",), lower) / n, 4),
        # braces per word: code is dense with them, prose with an editorial {insertion} is not
        "c4_curly_brace_ratio": round(braces / max(1, view.text_tokens), 4) if braces else 0.0,
        "c4_policy_frac": round(_lines_with_groups(policy, lower) / n, 4),
        "c4_short_line_frac": round(_short_lines(lines, view.char_unit) / n, 4),
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
