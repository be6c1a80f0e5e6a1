"""Dataset documentation generated from what the platform knows: a Hugging Face dataset card, Croissant 1.1 JSON-LD
with the RAI vocabulary, a datasheet (Gebru et al.) and the EU AI Act public summary of training content.

Public API: `gather(acc, version, document)` / `gather_approved(acc, versions, document)` → `Facts` (service);
`card.render(facts)`, `croissant.render(facts)` / `croissant.to_jsonld` / `croissant.validate(path)` /
`croissant.load_records(path)`, `datasheet.render(facts)`, `ai_act.summary(facts_list, provider, model)` /
`ai_act.render_markdown(summary)`; `export_data(acc, store, facts, version, out_dir)` copies an open version's shards
next to its documents (`data/`).
"""

from __future__ import annotations

from dataharbor.documents import ai_act, card, croissant, datasheet
from dataharbor.documents.service import NOT_RECORDED, Facts, Shard, export_data, gather, gather_approved

__all__ = [
    "NOT_RECORDED",
    "Facts",
    "Shard",
    "ai_act",
    "card",
    "croissant",
    "datasheet",
    "export_data",
    "gather",
    "gather_approved",
]
