"""Text folding, exact hashes, shingles, MinHash signatures and LSH band keys.

Everything here is deterministic across processes and machines: signatures and band keys are
stored in the platform index and compared with ones computed years later, so nothing may
depend on Python's randomised `hash()`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dataharbor.pipeline.stages._dedup_config import NORMALISATION_VERSION, DedupConfig

Signature = npt.NDArray[np.uint32]

# scripts written without spaces between words: word shingles would be whole sentences
_NO_SPACE_SCRIPTS = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)
_SCRIPT_SAMPLE = 2000  # characters looked at to choose word or character shingles


# Where the code points that fold live. Everything outside these ranges is a letter, unassigned,
# a surrogate or private use (CJK and Hangul blocks, planes 2-13, 15-16): scanning only these
# ranges builds the same table ~10x faster (tests/pipeline/stages/test_dedup.py compares it with
# a scan of all of Unicode, so a new Python's Unicode version cannot silently break this).
FOLD_RANGES = ((0x0000, 0x4E00), (0xA000, 0xAC00), (0xD7A4, 0xD800), (0xF900, 0x20000), (0xE0000, 0xE1000))


def _folds(cp: int) -> bool:
    category = unicodedata.category(chr(cp))
    # Cn/Co/Cs (unassigned, private use, surrogates) are ~1M code points: leave them alone
    return category[0] in "PSZ" or category in ("Cc", "Cf")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Every punctuation, symbol, separator, control and format code point maps to a space.

    Built once per process (~0.1 s); `str.translate` then folds at C speed. Letters, marks and
    digits stay, so scripts with combining marks (Devanagari, Arabic vowels) keep their words whole.
    """
    return {cp: " " for lo, hi in FOLD_RANGES for cp in range(lo, hi) if _folds(cp)}


@lru_cache(maxsize=1)
def _fold_mask() -> npt.NDArray[np.bool_]:
    """`_fold_table` as a lookup array over all code points (1.1 MB)."""
    mask = np.zeros(0x110000, dtype=np.bool_)
    mask[np.fromiter(_fold_table(), dtype=np.int64)] = True
    return mask


def fold_tokens(text: str) -> list[str]:
    """Lower-cased (casefold, NFKC) words with punctuation and whitespace folded away.

    The same as `.translate(_fold_table()).split()`, done on the text's code points as a NumPy array:
    `str.translate` with a mapping looks every non-ASCII character up in the dict one by one (measured
    2.4 -> 1.1 CPU-s on the benchmark corpus; tests compare both on real text in many scripts).
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    points = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32).copy()
    points[_fold_mask()[points]] = 0x20
    return points.tobytes().decode("utf-32-le").split()


def exact_hash(tokens: Sequence[str], text: str) -> str:
    """128-bit hash of the folded text; texts with no word at all hash their raw stripped form."""
    if tokens:
        payload = NORMALISATION_VERSION + "\x00" + " ".join(tokens)
    else:
        payload = NORMALISATION_VERSION + "\x01" + text.strip()
    return hashlib.blake2b(payload.encode("utf-8"), digest_size=16).hexdigest()


def uses_char_shingles(text: str) -> bool:
    sample = text[:_SCRIPT_SAMPLE]
    letters = len("".join(sample.split()))
    return letters > 0 and len(_NO_SPACE_SCRIPTS.findall(sample)) > 0.3 * letters


def shingles(tokens: Sequence[str], text: str, config: DedupConfig) -> tuple[str, list[str]]:
    """(`word<n>` | `char<n>`, the shingle strings). Short texts give one shingle of all they have."""
    if uses_char_shingles(text):
        joined = "".join(tokens)
        n = config.char_ngram
        grams = [joined[i : i + n] for i in range(max(1, len(joined) - n + 1))] if joined else []
        return f"char{n}", grams
    n = config.word_ngram
    if len(tokens) <= n:
        return f"word{n}", [" ".join(tokens)] if tokens else []
    # the k-th shifted copies are shorter: zip stops at the last full n-gram
    return f"word{n}", list(map(" ".join, zip(*(tokens[k:] for k in range(n)), strict=False)))


def backend_name() -> str:
    """The MinHash implementation and its algorithm version: signatures of two backends never mix."""
    try:
        import rensa

        return f"rensa{rensa.RMinHash.ALGORITHM_VERSION}"
    except ImportError:  # pragma: no cover - rensa is a core dependency
        return "datasketch"


def signatures(shingle_sets: Sequence[Sequence[str]], config: DedupConfig) -> list[Signature]:
    """One uint32 MinHash signature per shingle set (sets must be non-empty)."""
    if not shingle_sets:
        return []
    if backend_name().startswith("rensa"):
        import rensa

        matrix = rensa.RMinHash.digest_matrix_from_token_sets(
            [list(s) for s in shingle_sets], num_perm=config.num_perm, seed=config.seed
        )
        rows = np.asarray(matrix.to_rows(), dtype=np.uint32)
        return list(rows)
    return [_datasketch_signature(s, config) for s in shingle_sets]  # pragma: no cover


def _datasketch_signature(shingle_set: Sequence[str], config: DedupConfig) -> Signature:  # pragma: no cover
    from datasketch import MinHash

    mh = MinHash(num_perm=config.num_perm, seed=config.seed)
    mh.update_batch([s.encode("utf-8") for s in shingle_set])
    return np.asarray(mh.hashvalues, dtype=np.uint32)


@lru_cache(maxsize=16)
def _band_hashers(scheme: str, bands: int) -> tuple[hashlib.blake2b, ...]:
    """Per band, a blake2b state that has already absorbed the scheme and the band number (copied per key)."""
    out = []
    for b in range(bands):
        h = hashlib.blake2b(scheme.encode(), digest_size=8)
        h.update(b.to_bytes(2, "little"))
        out.append(h)
    return tuple(out)


def band_keys(signature: Signature, config: DedupConfig) -> list[int]:
    """One signed 64-bit key per LSH band; the scheme is hashed in so incompatible sketches never meet.

    Key of band b = blake2b-64(scheme ‖ b as 2 bytes LE ‖ the band's rows as uint32 LE), read as a signed
    little-endian integer. The keys are stored in the platform index, so this definition never changes
    (tests/pipeline/stages/test_dedup.py pins it against a plain rewrite of it).
    """
    width = config.rows * 4
    raw = signature.astype("<u4", copy=False).tobytes()
    keys = []
    for b, base in enumerate(_band_hashers(config.scheme, config.bands)):
        h = base.copy()
        h.update(raw[b * width : (b + 1) * width])
        keys.append(int.from_bytes(h.digest(), "little", signed=True))
    return keys


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity: the share of equal MinHash slots."""
    return float(np.count_nonzero(a == b)) / len(a)


def to_bytes(signature: Signature) -> bytes:
    return signature.astype("<u4", copy=False).tobytes()


def from_bytes(raw: bytes) -> Signature:
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


@dataclass(slots=True)
class Fingerprint:
    """What dedup needs of one record: its exact hash and (when it has shingles) its signature."""

    exact: str
    shingling: str
    shingle_count: int
    signature: Signature | None


def fingerprints(texts: Sequence[str], config: DedupConfig) -> list[Fingerprint]:
    """Fingerprints for a batch of texts; the MinHash work is one call into rensa for the batch."""
    prepared = []
    for text in texts:
        tokens = fold_tokens(text)
        kind, grams = shingles(tokens, text, config)
        prepared.append((exact_hash(tokens, text), kind, grams))
    with_grams = [grams for _, _, grams in prepared if grams]
    sigs = iter(signatures(with_grams, config))
    return [Fingerprint(exact, kind, len(grams), next(sigs) if grams else None) for exact, kind, grams in prepared]
