"""The Hugging Face dataset card: YAML metadata the Hub accepts, sections filled from the audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from tests.documents.conftest import Built

from dataharbor.documents import Facts, card
from dataharbor.documents.card import hf_license, size_category, task_categories


def front_matter(text: str) -> dict[str, Any]:
    assert text.startswith("---\n")
    head, _ = text[4:].split("\n---\n", 1)
    meta = yaml.safe_load(head)
    assert isinstance(meta, dict)
    return meta


def test_size_categories_licences_and_tasks() -> None:
    assert [size_category(n) for n in (0, 999, 1_000, 54_321, 2_000_000, 10**13)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "10K<n<100K",
        "1M<n<10M",
        "n>1T",
    ]
    assert hf_license("CC-BY-4.0") == {"license": "cc-by-4.0"}
    assert hf_license("ODC-By-1.0") == {"license": "odc-by"}
    assert hf_license("OGL-UK-3.0")["license"] == "other"
    custom = hf_license("LicenseRef-acme-agreement")
    assert custom["license"] == "other" and custom["license_name"] == "licenseref-acme-agreement"
    assert custom["license_link"] == "#licensing-and-consent"
    assert task_categories(["training", "research"]) == (["text-generation"], ["language-modeling"])
    assert task_categories(["evaluation"]) == (["text-generation"], [])
    assert task_categories(["research"]) == ([], [])


def test_open_card(built: Built, facts_of: Callable[..., Facts]) -> None:
    facts = facts_of(built.open_ref)
    text = card.render(facts)
    meta = front_matter(text)
    assert meta["license"] == "cc-by-4.0"
    assert meta["size_categories"] == ["n<1K"] and facts.records == 3
    assert meta["language"] == ["en"]
    assert meta["task_categories"] == ["text-generation"] and meta["task_ids"] == ["language-modeling"]
    files = meta["configs"][0]["data_files"][0]["path"]
    assert files == [f"data/{s.name}" for s in facts.shards] and files[0].endswith(".parquet")
    assert meta["pretty_name"] == "acme/open v1"
    assert {"dataharbor", "open-tier", "curator-approved"} <= set(meta["tags"])
    for heading in (
        "## Dataset summary",
        "## Uses",
        "### Out-of-scope uses",
        "### Curation rationale",
        "## Personal and sensitive information",
        "### Bias",
        "### Risks and limitations",
        "## Licensing and consent",
        "## Citation and provenance",
    ):
        assert heading in text, heading
    # figures and findings come from the audit, not from a template
    assert facts.version["integrity_root"] in text
    assert "`licence.open_without_pii_redaction` (error)" in text  # minimal profile: no pii stage
    assert "`normalize` v1" in text and "`dedup` v1" in text
    assert "checked for the documentation tests" in text  # the review


def test_private_card_has_no_configs_and_custom_licence(built: Built, facts_of: Callable[..., Facts]) -> None:
    facts = facts_of(built.private_ref)
    meta = front_matter(card.render(facts))
    assert meta["license"] == "other" and meta["license_name"] == "licenseref-beta-agreement"
    assert "configs" not in meta and meta["viewer"] is False
    text = card.render(facts)
    assert "encrypted at rest" in text
    assert "evaluation of AI models (purpose `evaluation` is not allowed" in text
    assert "retention period of 365 days" in text and "Redistributing copies" in text


def test_hub_accepts_the_metadata(built: Built, facts_of: Callable[..., Facts]) -> None:
    hub = pytest.importorskip("huggingface_hub")
    for ref in (built.open_ref, built.private_ref):
        text = card.render(facts_of(ref))
        data = hub.DatasetCard(text).data  # parses the YAML block as the Hub does
        assert isinstance(data, hub.DatasetCardData)
        again = data.to_dict()
        assert again["license"] == front_matter(text)["license"]
        assert again["size_categories"] == ["n<1K"]
