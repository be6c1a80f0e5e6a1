"""Text canonicalisation for the safety model: undo the usual evasions before features are taken.

Hateful text hides behind leetspeak (`n1gg3r`), spaced letters (`b l a c k`), stretched letters
(`fuuuuck`) and social-media noise (URLs, @mentions, `RT`). Lexicon matching and the model both
see the canonical form, so one fix here helps every signal.
"""

from __future__ import annotations

import html
import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.)\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_RETWEET = re.compile(r"(?<!\w)rt(?!\w)")
# three or more single letters separated by single spaces: "b l a c k" → "black"
_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_] ){2,}[^\W\d_](?![^\W\d_])")
_STRETCH = re.compile(r"(.)\1{2,}")
# a token mixing letters with digits or symbols commonly used as letters
_LEET_TOKEN = re.compile(r"[\w@$!]*[^\W\d_][\w@$!]*")
_LEET_MAP = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_LEET_CHARS = frozenset("013457@$!")
# the runs of `_LEET_TOKEN`'s characters that hold a leet character: the only ones `_deleet` can change
_LEET_RUN = re.compile(r"(?<![\w@$!])[\w@$!]*[013457@$!][\w@$!]*")
_LETTER = re.compile(r"[^\W\d_]")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# the same, plus the punctuation that changes meaning: quotes (counter-speech quotes hate) and "?"
_TOKEN_PUNCT = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[\"“”«»„?]")


def _deleet(match: re.Match[str]) -> str:
    token = match.group(0)
    if not _LEET_CHARS.intersection(token) or token.isdigit():
        return token
    # trailing "!" is punctuation, not a letter
    stripped = token.rstrip("!")
    return stripped.translate(_LEET_MAP) + " " * (len(token) - len(stripped))


def _deleet_run(match: re.Match[str]) -> str:
    # `_LEET_TOKEN` matches a whole run only when it holds a letter
    return _deleet(match) if _LETTER.search(match.group(0)) else match.group(0)


def canonical(text: str) -> str:
    """Lower-cased, NFKC-folded text with evasions undone and social-media noise removed."""
    text = unicodedata.normalize("NFKC", html.unescape(text)).lower()
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _RETWEET.sub(" ", text)
    text = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    # same as `_LEET_TOKEN.sub(_deleet, text)`, calling back only on runs with a leet character
    text = _LEET_RUN.sub(_deleet_run, text)
    return _STRETCH.sub(r"\1\1", text)


def canonical_many(texts: list[str]) -> list[str]:
    """`canonical` of each text, in one pass over the texts joined by line breaks.

    No step reads across a line break (entities, URLs, mentions, spaced letters, leet runs and stretches
    stop there; NFKC does not compose with it; lower case treats it as the end of a word), so the pieces
    are the texts' own canonical forms — unless a text holds a line break or one appears (`&#10;`): then
    the texts are done one by one."""
    pieces = canonical("\n".join(texts)).split("\n")
    return pieces if len(pieces) == len(texts) else [canonical(t) for t in texts]


def tokens(canonical_text: str, punct: bool = False) -> list[str]:
    """Word tokens of an already canonical text (apostrophes kept inside words: `don't`).

    With `punct`, quote marks (all as `"`) and question marks are tokens too.
    """
    if not punct:
        return [t.replace("’", "'") for t in _TOKEN.findall(canonical_text)]
    out = []
    for t in _TOKEN_PUNCT.findall(canonical_text):
        out.append('"' if t in "“”«»„" else t.replace("’", "'"))
    return out


def word_tokens(punct_tokens: list[str]) -> list[str]:
    """`tokens(text)` from `tokens(text, punct=True)`: the same words (a quote or "?" never starts or ends a
    word, so both patterns find the same words), less the quote and question marks."""
    return [t for t in punct_tokens if t != '"' and t != "?"]
