"""A language-neutral "is this real language" signal: character-trigram likelihood gain.

Scrambled letters keep a language's characters but lose its letter sequences. Scoring text with
the language stage's tiny UDHR trigram model (`_langid_tiny`, 75 languages), real text beats a
scrambled copy of its own characters by ~0.6–2 nats per trigram; scrambled text beats its
re-scrambled copy by ~0. Comparing with the text's own scramble (instead of a fixed floor on the
log-probability) cancels what differs between languages and scripts (alphabet size, how well
UDHR covers the language), so it also holds for languages the model only knows a relative of.
Only a bounded prefix is scored, so the cost per record stays flat.
"""

from __future__ import annotations

from collections import Counter
from functools import cache, lru_cache

import numpy as np

from dataharbor.pipeline.stages._langid_tiny import MODEL_PATH, TinyLangId

SAMPLE_CHARS = 1000  # enough to tell (tuning split: same separation as 2000); cost grows with it
MIN_TRIGRAMS = 100  # fewer trigrams: the mean is too noisy, the signals are left out
TRIGRAM_SIGNALS = ("char_trigram_logprob", "char_trigram_gain")
MIN_COVERAGE = 0.9  # share of letters the model has seen; below, the script is out of its reach


@cache
def _model() -> TinyLangId:
    return TinyLangId()


@cache
def trigram_languages() -> frozenset[str]:
    """Languages of the trigram model: the gibberish rule only judges text in one of these,
    since real text in a language it never saw can score like scrambled text. Read without
    loading the model, which records in other or unknown languages never need."""
    with np.load(MODEL_PATH) as data:
        return frozenset(str(x) for x in data["langs"])


@lru_cache(maxsize=64)
def _scramble_order(length: int) -> list[int]:
    # fixed seed: the same text always gets the same signal (numpy: random.shuffle is 30x slower)
    order: list[int] = np.random.default_rng(0).permutation(length).tolist()
    return order


def char_trigram_signals(text: str, sample_chars: int = SAMPLE_CHARS) -> dict[str, float | None]:
    """`char_trigram_logprob`: mean log P(trigram) of the prefix under its best-fitting language;
    `char_trigram_gain`: that minus the same for a fixed scramble of the prefix's characters.

    Both None when the prefix is too short or its letters lie mostly outside the model's alphabet
    (scripts missing from the UDHR training set), so no rule can misfire there. The best language,
    not the annotated one: a wrong language annotation must not make real text look scrambled.
    """
    none: dict[str, float | None] = dict.fromkeys(TRIGRAM_SIGNALS)
    model = _model()
    sample = text[:sample_chars]
    alphabet = model.alphabet()
    letters = covered = 0
    for ch, count in Counter(sample.lower()).items():  # per distinct character, not per character
        if ch.isalpha():
            letters += count
            covered += count if ch in alphabet else 0
    if not letters or covered < MIN_COVERAGE * letters:
        return none
    total, n, _known = model.trigram_logprobs(sample)
    if n < MIN_TRIGRAMS:
        return none
    best = int(np.argmax(total))
    order = _scramble_order(len(sample))
    scrambled, m = model.trigram_logprob("".join(map(sample.__getitem__, order)), best)
    logprob = float(total[best]) / n
    return {
        "char_trigram_logprob": round(logprob, 4),
        "char_trigram_gain": round(logprob - scrambled / max(m, 1), 4),
    }
