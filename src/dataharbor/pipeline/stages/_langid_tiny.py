"""A tiny character-trigram naive Bayes language model (75 languages, 0.4 MB), trained on UDHR only.

It exists to spare lingua: the lite fastText model has no label for some of lingua's languages
(lg, mi, sn, st, tn, ts, xh, zu) and is unsure of others; this model answers those in ~50 µs
where lingua takes ~1 ms (1–4-grams were 4x slower for no usable gain). It is trained on one
document per language (the Universal Declaration of Human Rights), so it is only trusted where
it is clearly sure (thresholds tuned on the tune half of lingua's test sentences, which it never
trains on).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

Scores = list[tuple[str, float]]

MODEL_PATH = Path(__file__).resolve().parents[2] / "models" / "langid" / "udhr_nb.npz"
ORDERS = (3,)  # n-gram lengths; the shipped model must be retrained when this changes
_CHUNK = 16  # texts per numpy reduction: the gathered rows of a chunk stay in cache
_ALPHA = 0.5  # additive smoothing: unseen-in-a-language n-grams still cost something, not everything


def _flat(text: str) -> str:
    return " " + " ".join(text.lower().split()) + " "


def ngrams(text: str) -> list[str]:
    """Character n-grams (`ORDERS`) of the lower-cased text, word boundaries marked by spaces."""
    flat = _flat(text)
    grams: list[str] = []
    for n in ORDERS:
        grams += [flat[i : i + n] for i in range(len(flat) - n + 1)]
    return grams


def _trigram_keys(codepoints: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """One integer per trigram of a code point sequence (code points fit in 21 bits)."""
    return (codepoints[:-2] << 42) | (codepoints[1:-1] << 21) | codepoints[2:]


def train(texts: Mapping[str, str], min_count: int = 2) -> tuple[list[str], list[str], npt.NDArray[np.float16]]:
    """(languages, vocabulary, log P(n-gram | language)) from one training text per language."""
    langs = sorted(texts)
    counts = {lang: Counter(ngrams(texts[lang])) for lang in langs}
    total: Counter[str] = Counter()
    for c in counts.values():
        total.update(c)
    vocab = sorted(g for g, n in total.items() if n >= min_count and g != " ")  # a space says nothing
    index = {g: i for i, g in enumerate(vocab)}
    table = np.zeros((len(vocab), len(langs)), dtype=np.float64)
    for j, lang in enumerate(langs):
        for g, n in counts[lang].items():
            i = index.get(g)
            if i is not None:
                table[i, j] = n
    # per n-gram order, so that frequent short n-grams do not crowd out the long ones
    lengths = np.array([len(g) for g in vocab])
    logp = np.empty_like(table)
    for n in ORDERS:
        rows = lengths == n
        sub = table[rows] + _ALPHA
        logp[rows] = np.log(sub / sub.sum(axis=0, keepdims=True))
    return langs, vocab, logp.astype(np.float16)


def save(path: Path, langs: list[str], vocab: list[str], logp: npt.NDArray[np.float16]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, langs=np.array(langs), vocab=np.array(vocab), logp=logp)


class TinyLangId:
    """Naive Bayes over the n-grams of the training vocabulary; unknown n-grams are ignored."""

    def __init__(self, path: Path = MODEL_PATH) -> None:
        with np.load(path) as data:
            self.langs: list[str] = [str(x) for x in data["langs"]]
            logp = data["logp"].astype(np.float32)
            vocab = np.ascontiguousarray(data["vocab"].astype("<U3")).view(np.uint32).reshape(-1, 3).astype(np.int64)
        if ORDERS != (3,):
            raise ValueError("the numpy lookup below assumes trigrams only")
        # the vocabulary as sorted integer keys: text is looked up with numpy, not a dict per n-gram
        keys = (vocab[:, 0] << 42) | (vocab[:, 1] << 21) | vocab[:, 2]
        self._order: npt.NDArray[np.int64] = np.argsort(keys)
        self._keys: npt.NDArray[np.int64] = keys[self._order]
        # an extra all-zero row stands for every unknown n-gram, so lookups need no filtering
        self._unknown = len(keys)
        self._logp: npt.NDArray[np.float32] = np.vstack([logp, np.zeros((1, logp.shape[1]), np.float32)])
        self._floor: npt.NDArray[np.float32] | None = None  # per-language smoothing floor, on first use
        # every code point inside the vocabulary's n-grams (0 pads n-grams shorter than 3)
        self._alphabet = frozenset(map(chr, np.unique(vocab[vocab > 0]).tolist()))
        self._columns: npt.NDArray[np.float32] | None = None  # logp transposed, on first use

    def ids(self, text: str) -> npt.NDArray[np.int64]:
        """The vocabulary row of each n-gram of `ngrams(text)`, in order; the unknown row where absent."""
        flat = _flat(text)
        if len(flat) < 3:
            return np.empty(0, np.int64)
        keys = _trigram_keys(np.frombuffer(flat.encode("utf-32-le"), np.uint32).astype(np.int64))
        pos = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        return np.where(self._keys[pos] == keys, self._order[pos], self._unknown)

    def scores(self, text: str, k: int = 3) -> Scores:
        return self.scores_many([text], k)[0]

    def scores_many(self, texts: Sequence[str], k: int = 3) -> list[Scores]:
        """Per text, the top-k languages with their posterior probability (flat prior).

        [] for a text without any known n-gram. One numpy reduction for the whole batch: per-text
        numpy calls would cost more than the arithmetic.
        """
        if not texts:
            return []
        totals = np.empty((len(texts), len(self.langs)), np.float32)
        known = np.empty(len(texts), np.int64)
        for first in range(0, len(texts), _CHUNK):
            chunk = texts[first : first + _CHUNK]
            parts: list[npt.NDArray[np.int64]] = []
            starts: list[int] = []
            size = 0
            for text in chunk:
                starts.append(size)
                text_ids = self.ids(text)
                # every text gets a non-empty (zero) segment, even ""
                parts += [np.array([self._unknown], np.int64), text_ids]
                size += 1 + len(text_ids)
            idx = np.concatenate(parts)
            at = np.array(starts)
            totals[first : first + len(chunk)] = np.add.reduceat(self._logp[idx], at, axis=0)
            known[first : first + len(chunk)] = np.add.reduceat((idx != self._unknown).astype(np.int64), at)
        # raw naive Bayes posteriors are absurdly sure on long text: temper by sqrt(#n-grams)
        totals = (totals - totals.max(axis=1, keepdims=True)) / np.sqrt(np.maximum(known, 1))[:, None]
        p = np.exp(totals)
        p /= p.sum(axis=1, keepdims=True)
        best = np.argsort(-p, axis=1)[:, :k]
        return [[(self.langs[j], float(p[n, j])) for j in best[n]] if known[n] else [] for n in range(len(texts))]

    def trigram_logprobs(self, text: str) -> tuple[npt.NDArray[np.float32], int, int]:
        """(sum of log P(n-gram | language) per language, n-grams, n-grams in the vocabulary).

        Unlike `scores`, an n-gram outside the vocabulary is not ignored: it costs each language
        its smoothing floor (the log-probability of a vocabulary n-gram never seen in it), so text
        made of unheard-of letter sequences scores low. Used by the quality stage as a
        "is this real language" signal.
        """
        if self._floor is None:
            self._floor = self._logp[:-1].min(axis=0)
        idx = self.ids(text)
        if not len(idx):
            return np.zeros(len(self.langs), np.float32), 0, 0
        unknown = int(np.count_nonzero(idx == self._unknown))
        total = self._logp[idx].sum(axis=0) + unknown * self._floor
        return total, len(idx), len(idx) - unknown

    def trigram_logprob(self, text: str, lang: int) -> tuple[float, int]:
        """`trigram_logprobs` for one language (by index): one column, so ~75x less to gather.

        The column is summed in the same sequential float32 order as the full reduction, so the
        result is bit-identical to `trigram_logprobs(text)[0][lang]`.
        """
        if self._floor is None:
            self._floor = self._logp[:-1].min(axis=0)
        idx = self.ids(text)
        if not len(idx):
            return 0.0, 0
        if self._columns is None:
            self._columns = np.ascontiguousarray(self._logp.T)
        unknown = int(np.count_nonzero(idx == self._unknown))
        total = np.cumsum(self._columns[lang][idx], dtype=np.float32)[-1] + np.float32(unknown) * self._floor[lang]
        return float(total), len(idx)

    def alphabet(self) -> frozenset[str]:
        """Every character inside the vocabulary's n-grams: text in other scripts is out of its reach."""
        return self._alphabet
