"""language: which language each record is in, how sure we are, and whether the partner said so."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from dataharbor.domain.record import Record
from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import Stage, StageContext, register_stage
from dataharbor.pipeline.stages import _langid_thresholds as tuned
from dataharbor.pipeline.stages._langid_cascade import UND, CascadeConfig, Guess, LangIdCascade, LinguaScope
from dataharbor.pipeline.stages._langid_sample import sample_pieces

# partners declare languages loosely; the detector answers in these codes
_DECLARED_ALIASES = {"no": "nb", "iw": "he", "in": "id", "ji": "yi", "sh": "hr", "fil": "tl"}


@register_stage
class LanguageStage(Stage):
    """Annotates `{"lang", "confidence", "declared", "method", "languages"}` on every record.

    A cascade: fastText (lid.176, 176 languages) answers where it is sure; a tiny character-trigram
    model trained on UDHR translations answers where it is sure; lingua (75 languages, better on
    short text and close languages) decides the rest. Long texts are classified from at
    most `max_pieces` windows of `piece_chars` characters, so the cost does not grow with length;
    `languages` is the share of those windows per language (a mix when there are several).
    `declared` compares the answer with the dataset's declared languages (None when none are
    declared or the language is undetermined); with `drop_mismatch` a mismatch drops the record
    with reason `language_mismatch`.
    """

    name = "language"
    version = "2"

    def __init__(
        self,
        context: StageContext,
        *,
        min_confidence: float = 0.0,
        min_letters: int = 3,
        drop_mismatch: bool = False,
        piece_chars: int = 400,
        max_pieces: int = 4,
        lingua_scope: LinguaScope = "rerank",
        lingua_low_accuracy: bool = False,
        parallel: bool = False,
        fasttext_model: str = "",
        tiny_model: bool = True,
        lingua_max_models: int | None = 4,
    ) -> None:
        super().__init__(context)
        if lingua_scope not in ("all", "candidates", "rerank"):
            raise ConfigError(f"language: lingua_scope '{lingua_scope}' is not 'all', 'candidates' or 'rerank'")
        if piece_chars < 20 or max_pieces < 1:
            raise ConfigError("language: piece_chars must be >= 20 and max_pieces >= 1")
        if lingua_max_models is not None and lingua_max_models < 0:
            raise ConfigError("language: lingua_max_models must be >= 0 (or null: never unload)")
        self.min_confidence = min_confidence
        self.min_letters = min_letters
        self.drop_mismatch = drop_mismatch
        self.piece_chars = piece_chars
        self.max_pieces = max_pieces
        self.lingua_scope: LinguaScope = lingua_scope
        self.lingua_low_accuracy = lingua_low_accuracy
        self.parallel = parallel
        self.fasttext_model = fasttext_model
        self.tiny_model = tiny_model
        # private: a memory bound, not part of the pipeline's definition (answers are the same; kept out of the hash)
        self._lingua_max_models = lingua_max_models
        self.declared = tuple(_DECLARED_ALIASES.get(c.lower(), c.lower()) for c in context.declared_languages)
        self._cascade: LangIdCascade | None = None

    def setup(self) -> None:
        config = CascadeConfig(
            accept=tuned.ACCEPT, lingua_scope=self.lingua_scope, parallel=self.parallel, tiny=self.tiny_model
        )
        # lingua loads each language's models on first use. With declared languages, after each batch all but
        # those and the most recently asked ones, `lingua_max_models` in all, are unloaded: memory stays bounded.
        # Without, any language may be the data's own, and unloading could mean reloading on every batch.
        self._cascade = LangIdCascade(
            config,
            self.fasttext_model,
            low_accuracy=self.lingua_low_accuracy,
            lingua_max_models=self._lingua_max_models if self.declared else None,
        )

    def process(self, batch: Sequence[Record]) -> None:
        self.ensure_setup()
        assert self._cascade is not None
        owners: list[int] = []
        pieces: list[str] = []
        for n, record in enumerate(batch):
            for piece in sample_pieces(record.text, self.piece_chars, self.max_pieces, self.min_letters):
                owners.append(n)
                pieces.append(piece)
        per_record: dict[int, list[tuple[Guess, int]]] = defaultdict(list)
        for owner, piece, guess in zip(owners, pieces, self._cascade.classify_many(pieces, self.declared), strict=True):
            per_record[owner].append((guess, len(piece)))
        for n, record in enumerate(batch):
            record.annotations[self.name] = self._annotate(per_record.get(n, []))
            if self.drop_mismatch and record.annotations[self.name]["declared"] is False:
                record.drop(self.name, "language_mismatch")

    def _annotate(self, guesses: list[tuple[Guess, int]]) -> dict[str, object]:
        weights: dict[str, float] = defaultdict(float)
        confidence: dict[str, float] = defaultdict(float)
        methods: dict[str, str] = {}
        total = sum(size for _, size in guesses)
        for guess, size in guesses:
            lang = guess.lang if guess.confidence >= self.min_confidence else UND
            weights[lang] += size / total
            confidence[lang] += guess.confidence * size / total
            methods.setdefault(lang, guess.method)
        if not weights:
            return {"lang": UND, "confidence": 0.0, "declared": None, "method": "none", "languages": {}}
        lang = max(weights, key=lambda code: weights[code])
        declared = None if lang == UND or not self.declared else lang in self.declared
        return {
            "lang": lang,
            # the mean confidence over the text: a document split between languages is less sure
            "confidence": round(confidence[lang], 4),
            "declared": declared,
            "method": methods[lang],
            "languages": {code: round(share, 3) for code, share in sorted(weights.items(), key=lambda kv: -kv[1])},
        }
