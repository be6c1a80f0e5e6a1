"""Hashed sparse features for the built-in safety model, computed with numpy only.

A text becomes (indices, values) into a vector of `HASH_DIM + N_DENSE` slots:

- word unigrams and bigrams of the canonical tokens;
- an *abstracted* token stream where identity terms become `<id>`, bad-word-lexicon terms `<lex>`,
  negators `<not>`, cue words `<report>` (reported speech), `<dehum>`, `<threat>`, strongly
  negative/positive words (VADER valence) `<neg>`/`<pos>`, quotes `<q>` and question marks `<?>`,
  as bigrams and trigrams: `<neg> <id>` generalises across targets and templates, `<not> <neg> <id>`
  learns negation;
- character 2–5-grams across the token stream (robust to spelling evasions, partly language-free);
- marker co-occurrence: which of `<id> <lex> <neg> <pos> <not> <q> <?>` appear together;
- dense signals: lexicon hit count (log), any lexicon hit, any identity term, summed negative and
  positive word valence.

Each hashed group is binary and L2-normalised so long and short windows are comparable.
Hashing is deterministic (CRC-32 for tokens, a polynomial rolling hash for characters, a
splitmix64 finaliser for buckets), so training and inference agree on every machine.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dataharbor.pipeline.stages._safety_lexicon import TermMatcher, _plural_stem
from dataharbor.pipeline.stages._safety_text import canonical, canonical_many, tokens, word_tokens

_BUCKET_BITS = 18
HASH_DIM = 1 << _BUCKET_BITS
N_DENSE = 5
CHAR_NGRAMS = (2, 3, 4, 5)
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float32]
U64Array = npt.NDArray[np.uint64]

_U64 = np.uint64
_PRIME = _U64(1_000_003)


@dataclass(frozen=True, slots=True)
class Features:
    indices: IntArray
    values: FloatArray
    lexicon_hits: int


@dataclass(frozen=True, slots=True)
class FeatureBatch:
    """The features of many windows: window i owns `indices[bounds[i]:bounds[i + 1]]` (and those values),
    in the order `Featurizer.features` gives them (hashed buckets by group, ascending, then the dense slots)."""

    indices: IntArray
    values: FloatArray
    bounds: IntArray
    lexicon_hits: list[int]


def _mix(h: npt.NDArray[np.uint64], salt: npt.NDArray[np.uint64]) -> IntArray:
    """splitmix64 finaliser → bucket in [0, HASH_DIM); `salt` per element (uint64 arithmetic wraps mod 2**64)."""
    z: npt.NDArray[np.uint64] = h + salt * _U64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
    z = z ^ (z >> _U64(31))
    return (z % _U64(HASH_DIM)).astype(np.int64)


def _token_hashes(toks: Sequence[str]) -> npt.NDArray[np.uint64]:
    return np.fromiter((zlib.crc32(t.encode("utf-8")) for t in toks), dtype=np.uint64, count=len(toks))


def _ngram_hashes(hashes: npt.NDArray[np.uint64], orders: Sequence[int], salt: int) -> list[tuple[U64Array, int]]:
    """Polynomial hashes of the n-grams of each order, each with its salt (`salt * 16 + n`)."""
    out: list[tuple[U64Array, int]] = []
    for n in orders:
        if len(hashes) < n:
            continue
        h = hashes[: len(hashes) - n + 1].copy()
        for k in range(1, n):
            h = h * _PRIME + hashes[k : len(hashes) - n + 1 + k]
        out.append((h, salt * 16 + n))
    return out


def _char_hashes(stream: str) -> list[tuple[U64Array, int]]:
    cp = np.frombuffer(stream.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return _ngram_hashes(cp, CHAR_NGRAMS, salt=7)


def hash_groups(
    toks: Sequence[str], abstract: Sequence[str], pairs: Sequence[str], raw: Sequence[str]
) -> list[list[tuple[U64Array, int]]]:
    """The four hashed feature groups of a window: word 1-2-grams, abstracted 2-3-grams, marker pairs,
    character 2-5-grams of the raw token stream (none without tokens)."""
    return [
        _ngram_hashes(_token_hashes(toks), (1, 2), salt=1),
        _ngram_hashes(_token_hashes(abstract), (2, 3), salt=2),
        _ngram_hashes(_token_hashes(pairs), (1,), salt=3),
        _char_hashes(" " + " ".join(raw) + " ") if raw else [],
    ]


def _grouped(groups: Sequence[list[tuple[U64Array, int]]]) -> tuple[IntArray, FloatArray]:
    """Each group's distinct buckets, ascending, valued 1/sqrt(its count), groups one after another.

    One splitmix pass and one sort for all groups of a window (keys carry the group number above the
    bucket's 18 bits): per group and order, the small NumPy calls cost more than the arithmetic.
    """
    parts = [(h, salt, g) for g, group in enumerate(groups) for h, salt in group]
    if not parts:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    hashes = np.concatenate([h for h, _, _ in parts])
    sizes = [len(h) for h, _, _ in parts]
    salts = np.repeat(np.array([salt for _, salt, _ in parts], dtype=np.uint64), sizes)
    tags = np.repeat(np.array([g for _, _, g in parts], dtype=np.int64), sizes)
    keys = np.unique((tags << _BUCKET_BITS) | _mix(hashes, salts))
    group = keys >> _BUCKET_BITS
    counts = np.bincount(group, minlength=len(groups))
    values = (1.0 / np.sqrt(np.maximum(counts, 1)))[group].astype(np.float32)  # an empty group has no entries
    return keys & (HASH_DIM - 1), values


_GROUP_BITS = 3  # four hashed groups and the dense block (group 4) of a window
_WINDOW_SHIFT = _BUCKET_BITS + _GROUP_BITS
_DENSE_GROUP = 4
_WINDOW_GROUPS = _DENSE_GROUP + 1
_GROUP_SALTS: tuple[tuple[tuple[int, ...], int], ...] = (((1, 2), 1), ((2, 3), 2), ((1,), 3), (CHAR_NGRAMS, 7))


def _batch_ngrams(
    hashes: U64Array, owner: IntArray, orders: Sequence[int], salt: int
) -> list[tuple[U64Array, int, IntArray]]:
    """`_ngram_hashes` over the concatenated streams of many windows: the same polynomial hashes, keeping only
    the n-grams whose first and last element belong to one window; each with its salt and its windows."""
    out: list[tuple[U64Array, int, IntArray]] = []
    for n in orders:
        count = len(hashes) - n + 1
        if count <= 0:
            continue
        h = hashes[:count].copy()
        for k in range(1, n):
            h = h * _PRIME + hashes[k : k + count]
        inside = owner[:count] == owner[n - 1 : n - 1 + count]
        out.append((h[inside], salt * 16 + n, owner[:count][inside]))
    return out


def _batch_keys(streams: Sequence[tuple[U64Array, IntArray]], windows: int) -> IntArray:
    """Sorted distinct keys `window | group | bucket` of every hashed feature of every window, plus the five
    dense slots of each window (group 4): one splitmix pass and one sort for the whole batch."""
    parts: list[tuple[U64Array, int, IntArray, int]] = []
    for group, ((hashes, owner), (orders, salt)) in enumerate(zip(streams, _GROUP_SALTS, strict=True)):
        parts.extend((h, s, o, group) for h, s, o in _batch_ngrams(hashes, owner, orders, salt))
    sizes = [len(h) for h, _, _, _ in parts]
    hashed = _mix(
        np.concatenate([h for h, _, _, _ in parts]), np.repeat(np.array([s for _, s, _, _ in parts], np.uint64), sizes)
    )
    owner = np.concatenate([o for _, _, o, _ in parts])
    tags = np.repeat(np.array([g for _, _, _, g in parts], np.int64), sizes)
    dense = np.arange(windows * N_DENSE, dtype=np.int64)
    dense_keys = ((dense // N_DENSE) << _WINDOW_SHIFT) | (_DENSE_GROUP << _BUCKET_BITS) | (dense % N_DENSE)
    keys: IntArray = np.sort(np.concatenate([(owner << _WINDOW_SHIFT) | (tags << _BUCKET_BITS) | hashed, dense_keys]))
    # distinct keys of the sorted array (np.unique's hash table is much slower on a whole batch)
    distinct: IntArray = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
    return distinct


def _token_stream(windows: Sequence[Sequence[str]]) -> tuple[U64Array, IntArray]:
    """CRC-32 of every token of every window, concatenated, and the window each belongs to."""
    flat = [t for w in windows for t in w]
    crc = {t: zlib.crc32(t.encode("utf-8")) for t in set(flat)}  # tokens repeat: each distinct one once
    hashes = np.fromiter(map(crc.__getitem__, flat), dtype=np.uint64, count=len(flat))
    return hashes, np.repeat(np.arange(len(windows), dtype=np.int64), [len(w) for w in windows])


def _char_stream(streams: Sequence[str]) -> tuple[U64Array, IntArray]:
    """Code points of every window's character stream, concatenated, and the window each belongs to."""
    cp = np.frombuffer("".join(streams).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return cp, np.repeat(np.arange(len(streams), dtype=np.int64), [len(s) for s in streams])


NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "neither",
        "nor",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "won't",
        "wouldn't",
        "shouldn't",
        "couldn't",
        "mustn't",
        "ain't",
        "hardly",
        "ne",
        "pas",
        "jamais",
        "aucun",
        "nicht",
        "kein",
        "keine",
        "keiner",
        "nie",
        "niemals",
        "nunca",
        "ningún",
        "ninguna",
        "nada",
        "non",
        "mai",
        "niet",
        "nooit",
        "geen",
    ]
)
_MARKERS = {'"': "<q>", "?": "<?>"}


def _deletions(word: str) -> list[str]:
    # a list, in position order: iterating a set of str would depend on PYTHONHASHSEED
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


class Featurizer:
    """Turns one text window into sparse features; holds the lexicons it abstracts with."""

    def __init__(
        self,
        lexicon: TermMatcher,
        identities: frozenset[str],
        valence: dict[str, float],
        cues: dict[str, str] | None = None,
        vocabulary: frozenset[str] = frozenset(),
    ) -> None:
        self.lexicon = lexicon
        # ordinary words seen in clean text are never "repaired": without this guard `books` became
        # `boobs`, `families` became `fami lies` and `water` became `hater`
        self.vocabulary = vocabulary
        self.identities = identities
        self.valence = valence
        self.cues = cues or {}
        # every known marker word (>= 5 letters) by its one-letter deletions: finds `womn`, `muslmis`
        self._lex_words = lexicon.single_words()
        self._known = set(identities) | set(valence) | set(self.cues) | self._lex_words
        # token → (repaired tokens, their classes); tokens repeat a lot, so this pays for itself
        self._memo: dict[str, tuple[list[str], list[str]]] = {}
        self._words = self._known | self.vocabulary  # built once: a union per token cost ~1 ms
        self._by_deletion: dict[str, str] = {}
        for word in sorted(self._known):
            if len(word) >= 5 and word.isalpha():
                for d in _deletions(word):
                    self._by_deletion.setdefault(d, word)

    def _repair(self, tok: str) -> list[str]:
        """Undo one-letter typos and a deleted space next to a known marker word."""
        if len(tok) < 4 or tok in self._known or tok in self.vocabulary or not tok.isalpha():
            return [tok]
        if tok in self._by_deletion:  # a letter was dropped
            return [self._by_deletion[tok]]
        for d in _deletions(tok):
            if d in self._known and len(d) >= 5:  # a letter was added
                return [d]
            if d in self._by_deletion:  # a letter was changed or swapped
                return [self._by_deletion[d]]
        for i in range(4, len(tok) - 3):  # "massivescumbags" → "massive scumbags"
            head, tail = tok[:i], tok[i:]
            # one half must be a marker word and the other a word at all
            words = self._words
            marker = head in self._known or tail in self._known or tail[:-1] in self._known
            whole = (head in words or head in self._by_deletion) and (tail in words or tail[:-1] in words)
            if marker and whole and len(head) >= 4 and len(tail) >= 4:
                return [head, tail]
        return [tok]

    def _analyse(self, tok: str) -> tuple[list[str], list[str]]:
        hit = self._memo.get(tok)
        if hit is None:
            if len(self._memo) > 200_000:
                self._memo.clear()
            repaired = self._repair(tok)
            hit = self._memo[tok] = (repaired, [self._abstract(r) for r in repaired])
        return hit

    def _abstract(self, tok: str) -> str:
        """A token's class: identity, bad word, negator, negative/positive word, quote, `?` — or itself."""
        if tok in _MARKERS:
            return _MARKERS[tok]
        if tok in self.identities or (_plural_stem(tok) or ("",))[0] in self.identities:
            return "<id>"
        if tok in self._lex_words or (_plural_stem(tok) or ("",))[0] in self._lex_words:
            return "<lex>"
        if not tok.isascii() and self.lexicon.count((tok,), tok):
            return "<lex>"
        if tok in NEGATORS:
            return "<not>"
        if tok in self.cues:
            return self.cues[tok]
        v = self.valence.get(tok, 0.0)
        if v <= -1.0:
            return "<neg>"
        if v >= 1.0:
            return "<pos>"
        return tok

    def forget(self) -> None:
        """Empty the token memory: it holds words of the texts read, which must not outlive a job."""
        self._memo.clear()

    def _streams(self, canon: str) -> tuple[list[str], list[str], list[str], list[str], int, list[float]]:
        """A window's word tokens, abstracted tokens, marker pairs, raw tokens, lexicon hits and word valences,
        from its canonical form."""
        with_punct = tokens(canon, punct=True)
        raw = word_tokens(with_punct)
        hits = self.lexicon.count(raw, canon)
        toks: list[str] = []
        abstract: list[str] = []
        for t in with_punct:
            repaired, classes = self._analyse(t)
            if t not in _MARKERS:
                toks.extend(repaired)
            abstract.extend(classes)
        markers = sorted({a for a in abstract if a.startswith("<")})
        pairs = [f"{a}&{b}" for i, a in enumerate(markers) for b in markers[i + 1 :]] + ["|".join(markers)]
        valences = [self.valence.get(t, 0.0) for t in toks]
        return toks, abstract, pairs, raw, hits, valences

    def features_many(self, texts: Sequence[str]) -> FeatureBatch:
        """`features` of each text, bit for bit, computed for all texts at once (NumPy calls per batch, not per
        window: for sentence-sized windows the calls' overhead cost more than their arithmetic)."""
        groups: tuple[list[list[str]], list[list[str]], list[list[str]]] = ([], [], [])
        chars: list[str] = []
        hits: list[int] = []
        dense_in: list[tuple[float, float, float, float]] = []  # hits, any identity, negative, positive valence
        for canon in canonical_many(list(texts)):
            toks, abstract, pairs, raw, n_hits, valences = self._streams(canon)
            for streams, stream in zip(groups, (toks, abstract, pairs), strict=True):
                streams.append(stream)
            chars.append(" " + " ".join(raw) + " " if raw else "")
            hits.append(n_hits)
            negative, positive = -sum(v for v in valences if v < 0) / 4.0, sum(v for v in valences if v > 0) / 4.0
            dense_in.append((n_hits, float("<id>" in abstract), negative, positive))
        if not texts:
            return FeatureBatch(np.empty(0, np.int64), np.empty(0, np.float32), np.zeros(1, np.int64), [])
        keys = _batch_keys([*(_token_stream(g) for g in groups), _char_stream(chars)], len(texts))
        owner = keys >> _WINDOW_SHIFT
        group = (keys >> _BUCKET_BITS) & ((1 << _GROUP_BITS) - 1)
        slot = keys & (HASH_DIM - 1)
        dense = group == _DENSE_GROUP
        cell = owner * _WINDOW_GROUPS + group
        counts = np.bincount(cell, minlength=len(texts) * _WINDOW_GROUPS)
        values = (1.0 / np.sqrt(np.maximum(counts, 1)))[cell].astype(np.float32)
        d = np.array(dense_in, dtype=np.float64).reshape(-1, 4)
        dense_values = np.stack(
            [np.log1p(d[:, 0]), (d[:, 0] > 0).astype(np.float64), d[:, 1], np.tanh(d[:, 2]), np.tanh(d[:, 3])], axis=1
        ).astype(np.float32)
        values[dense] = dense_values[owner[dense], slot[dense]]
        indices = np.where(dense, HASH_DIM + slot, slot)
        bounds = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=len(texts)))])
        return FeatureBatch(indices, values, bounds, hits)

    def features(self, text: str) -> Features:
        toks, abstract, pairs, raw, hits, valences = self._streams(canonical(text))
        hashed_idx, hashed_val = _grouped(hash_groups(toks, abstract, pairs, raw))
        dense_idx = np.arange(HASH_DIM, HASH_DIM + N_DENSE, dtype=np.int64)
        dense_val = np.array(
            [
                np.log1p(hits),
                float(hits > 0),
                float("<id>" in abstract),
                # saturating, so a long window is not "more negative" than a short insult
                np.tanh(-sum(v for v in valences if v < 0) / 4.0),
                np.tanh(sum(v for v in valences if v > 0) / 4.0),
            ],
            dtype=np.float32,
        )
        indices = np.concatenate([hashed_idx, dense_idx])
        values = np.concatenate([hashed_val, dense_val])
        return Features(indices, values, hits)


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+|\s*\n\s*")


def sentence_windows(text: str, size: int, min_chars: int = 40) -> list[str]:
    """Sentence-sized windows: sentences (and lines), short ones merged, long ones cut at `size`.

    The training texts are single sentences and tweets, so a window of about one sentence is
    what the model's probabilities are calibrated for; longer windows pile up benign signal.
    """
    out: list[str] = []
    pending = ""
    for piece in _SENTENCE_END.split(text.strip()):
        pending = f"{pending} {piece}".strip() if pending else piece.strip()
        if len(pending) >= min_chars:
            out.extend(windows(pending, size))
            pending = ""
    if pending:
        if out and len(out[-1]) + len(pending) < size:
            out[-1] = f"{out[-1]} {pending}"
        else:
            out.append(pending)
    return out or [text.strip()]


def windows(text: str, size: int) -> list[str]:
    """Cut `text` into consecutive windows of at most `size` characters, at whitespace when possible."""
    text = text.strip()
    if len(text) <= size:
        return [text]
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + size, len(text))
        if end < len(text):
            cut = text.rfind(" ", start + size // 2, end)
            end = cut if cut > start else end
        out.append(text[start:end])
        start = end
    return out
