"""Which parts of a text NER needs to read: the words around anything that can be a name or a place.

The small spaCy models tag by word shape: in text written with normal casing a PERSON/LOCATION span
holds a capitalised word. So NER reads windows around the capitalised words of a paragraph, leaving out a
sentence's or line's first word when it is a common word (a stop word, or a word the text also writes in
lower case: "The", "Return"), and around greeting/introduction cues ("hi", "my name is"), after which
people write names in lower case. A window adds CONTEXT_TOKENS words (or punctuation marks) on each side:
the model's features see four tokens around each token, so a word inside a window is read as in the whole
text. A paragraph written all in lower case (chat, forms) is read whole, and so is one holding letters of
a script without case (CJK, Arabic, …): case says nothing there. A page becomes many short pieces, which
the model also batches better than one long text.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice

# paragraphs end at a blank line; sentences/lines (units) at a line break or sentence punctuation + spaces
_PARAGRAPH_END = re.compile(r"\n[ \t]*\n\s*")
_UNIT_END = re.compile(r"\n+|(?<=[.!?…])[\"'’”»)\]]*[ \t]+")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_CONTEXT = re.compile(r"[^\W_]+|[^\w\s]")
CONTEXT_TOKENS = 6
_REACH = 200  # characters searched for context tokens on each side
_NEAR_REACH = 48  # tried first on the left: usually holds the tokens wanted
# cues after which names are often written in lower case (greetings, self-introductions; cf. _pii_gazetteer)
_CUE = re.compile(
    r"(?<!\w)(?:hi|hey|hello|dear|thx|thanks|thank you|cheers|bye|salut|coucou|bonjour|bonsoir|merci|cher|chère|"
    r"hallo|servus|moin|danke|liebe|lieber|it['’]s|it is|this is|c['’]est|ici|hier ist|ich bin|i['’]m|i am|"
    r"name|nom|prénom|calls? me|called me|je m['’]appelle|ich heiße)(?!\w)"
)


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.de.stop_words import STOP_WORDS as DE
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.es.stop_words import STOP_WORDS as ES
    from spacy.lang.fr.stop_words import STOP_WORDS as FR

    return frozenset(EN | FR | DE | ES)


def has_caseless_letters(text: str) -> bool:
    """Whether the text holds letters of a script without upper/lower case (checked per distinct character)."""
    if text.isascii():
        return False
    return any(c.isalpha() and not (c.isupper() or c.islower()) for c in set(text))


def _pieces(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the pieces of text[start:end] that end where `pattern` matches."""
    pieces: list[tuple[int, int]] = []
    for m in pattern.finditer(text, start, end):
        if m.end() > start:
            pieces.append((start, m.end()))
            start = m.end()
    if start < end:
        pieces.append((start, end))
    return pieces


def _triggers(text: str, start: int, end: int, lower_words: frozenset[str]) -> list[tuple[int, int]]:
    """Capitalised words of a unit, less a common first word."""
    found: list[tuple[int, int]] = []
    for i, m in enumerate(_WORD.finditer(text, start, end)):
        word = m.group()
        if word.lower() == word:
            continue
        if i == 0 and (word.lower() in _stop_words() or word.lower() in lower_words):
            continue
        found.append(m.span())
    return found


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """(start, end) grown by CONTEXT_TOKENS tokens on each side (across line breaks: the model reads them)."""
    return _left_edge(text, start), _right_edge(text, end)


def _left_edge(text: str, start: int) -> int:
    """Start of the CONTEXT_TOKENS-th token before `start`, among the tokens found in the _REACH characters before it.

    Looks in a short stretch first: a scan that begins inside a word finds its tail as a first token, then the
    same tokens as a longer scan, so with more than CONTEXT_TOKENS tokens the short stretch gives the same answer.
    """
    before = list(_CONTEXT.finditer(text, max(0, start - _NEAR_REACH), start))
    if len(before) <= CONTEXT_TOKENS and start > _NEAR_REACH:
        before = list(_CONTEXT.finditer(text, start - _REACH if start > _REACH else 0, start))
    return before[max(0, len(before) - CONTEXT_TOKENS)].start() if before else start


def _right_edge(text: str, end: int) -> int:
    """End of the CONTEXT_TOKENS-th token after `end` (or of the last one within _REACH characters)."""
    right = end
    for right_match in islice(_CONTEXT.finditer(text, end, min(len(text), end + _REACH)), CONTEXT_TOKENS):
        right = right_match.end()
    return right


def ner_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of `text` that NER must read (sorted, disjoint); the whole text when in doubt."""
    if not text.strip():
        return []
    lower = text.lower()
    if len(lower) != len(text):  # a few letters lower-case to two characters ("İ"): offsets would shift
        return [(0, len(text))]
    lower_words = frozenset(w for w in _WORD.findall(text) if w.islower())
    caseless = has_caseless_letters(text)  # when the whole text has none, no paragraph needs the check
    ranges: list[tuple[int, int]] = []
    for p_start, p_end in _pieces(_PARAGRAPH_END, text, 0, len(text)):
        if lower[p_start:p_end] == text[p_start:p_end] or (caseless and has_caseless_letters(text[p_start:p_end])):
            ranges.append((p_start, p_end))
            continue
        wanted = [m.span() for m in _CUE.finditer(lower, p_start, p_end)]
        for u_start, u_end in _pieces(_UNIT_END, text, p_start, p_end):
            if lower[u_start:u_end] != text[u_start:u_end]:
                wanted.extend(_triggers(text, u_start, u_end, lower_words))
        ranges.extend(_widen(text, s, e) for s, e in wanted)
    spans: list[tuple[int, int]] = []
    for left, right in sorted(ranges):
        if spans and left <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], right))
        else:
            spans.append((left, right))
    return spans
