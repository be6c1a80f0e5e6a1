"""Production scorer: any Hugging Face text-classification model, by hub name or local directory.

`transformers` is imported lazily; without it the stage fails with a clear MissingExtra error.
Labels are mapped to one toxicity probability: the highest score among labels that name a harm
(toxic, hate, offensive, insult, obscene, threat, abuse, identity attack …), or `LABEL_1` for plain
binary models.
"""

from __future__ import annotations

import re
from typing import Any

from dataharbor.errors import MissingExtra
from dataharbor.pipeline.stages._safety_features import windows
from dataharbor.pipeline.stages._safety_model import Score, aggregate, builtin_model

_HARM = re.compile(r"toxic|hate|offens|insult|obscen|threat|abus|attack|sexual|profan|harm", re.I)
_SAFE = re.compile(r"^(non|not|no)[-_ ]?|neutral|normal|safe|clean", re.I)
WINDOW_CHARS = 1500


def harm_probability(labels: list[dict[str, Any]]) -> float:
    """One probability from a pipeline's `[{label, score}, …]` output."""
    harmful = [float(x["score"]) for x in labels if _HARM.search(str(x["label"])) and not _SAFE.search(str(x["label"]))]
    if harmful:
        return max(harmful)
    by_name = {str(x["label"]).upper(): float(x["score"]) for x in labels}
    return by_name.get("LABEL_1", 0.0)


class HFSafetyModel:
    """Wraps `transformers.pipeline("text-classification")`; lexicon hits still come from the built-in lexicon."""

    def __init__(self, name: str) -> None:
        try:
            from transformers import pipeline  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:
            raise MissingExtra(f"safety model {name}", "transformers", "safety-hf") from exc
        self.name = name
        self._pipe = pipeline("text-classification", model=name, top_k=None, truncation=True)

    @property
    def threshold(self) -> float:
        return 0.5

    def score(self, text: str, how: str = "topk") -> Score:
        if not text.strip():
            return Score(0.0, 0)
        chunks = windows(text, WINDOW_CHARS)
        outputs = self._pipe(chunks)
        probs = [harm_probability(list(out)) for out in outputs]
        hits = sum(builtin_model().featurizer.features(c).lexicon_hits for c in chunks)
        over = sum(p >= self.threshold for p in probs)
        return Score(aggregate(probs, how), hits, max(probs), len(probs), over)
