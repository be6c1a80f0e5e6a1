"""Datasheet, EU AI Act summary, and the rules every document keeps: private content never appears, reads of a
private dataset's documents go through the policy and are logged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.documents.conftest import MARKER, OPEN_TEXTS, Acting, Built, process, write_texts

from dataharbor.access.errors import Forbidden
from dataharbor.access.subjects import Actor
from dataharbor.catalog import repo
from dataharbor.catalog.models import AuditEvent
from dataharbor.documents import NOT_RECORDED, Facts, ai_act, card, croissant, datasheet, gather_approved
from dataharbor.documents.ai_act import TO_COMPLETE, size_range
from dataharbor.errors import Conflict
from dataharbor.harbor import Harbor

# the headings of the Commission's template (C(2025) 5235, Annex), in order
TEMPLATE_HEADINGS = [
    "# Public Summary of Training Content for General-Purpose AI models",
    "## 1. General information",
    "### 1.1. Provider identification",
    "### 1.2. Model identification",
    "### 1.3. Modalities, overall training data size and other characteristics",
    "## 2. List of data sources",
    "### 2.1. Publicly available datasets",
    "### 2.2. Private non-publicly available datasets obtained from third parties",
    "#### 2.2.1. Datasets commercially licensed by rightsholders or their representatives",
    "#### 2.2.2. Private datasets obtained from other third parties",
    "### 2.3. Data crawled and scraped from online sources",
    "### 2.4. User data",
    "### 2.5. Synthetic data",
    "### 2.6. Other sources of data",
    "## 3. Data processing aspects",
    "### 3.1. Respect of reservation of rights from text and data mining exception or limitation",
    "### 3.2. Removal of illegal content",
    "### 3.3. Other information (optional)",
]
GEBRU = ("Motivation", "Composition", "Collection process", "Preprocessing, cleaning, labeling", "Uses",
         "Distribution", "Maintenance")  # fmt: skip


def test_datasheet_answers_from_data_or_says_not_recorded(built: Built, facts_of: Callable[..., Facts]) -> None:
    facts = facts_of(built.open_ref)
    text = datasheet.render(facts)
    for section in GEBRU:
        assert f"## {section}\n" in text, section
    funded = text.split("**Who funded the creation of the dataset?**", 1)[1].split("**", 1)[0]
    assert "Not recorded by the platform." in funded
    assert "3 kept records" in text and facts.version["config_hash"] in text
    assert "Lawful basis / consent evidence: not recorded by the platform." in text


def test_ai_act_summary_of_approved_versions(built: Built, act_as: Acting) -> None:
    with act_as() as acc:
        versions = [
            repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
            for ref in (built.open_ref, built.private_ref)
        ]
        facts = gather_approved(acc, versions, "ai-act-summary")
    s = ai_act.summary(facts, provider="Example AI", model="harbor-7b")
    g = s["general_information"]
    assert g["provider"]["name"] == "Example AI" and g["model"]["versioned_names"] == ["harbor-7b"]
    # what only the provider knows is left to it, explicitly; what the platform could know but does not, says so
    assert g["provider"]["contact"] == TO_COMPLETE and g["model"]["dependencies"] == TO_COMPLETE
    assert g["latest_date_of_data_acquisition"]["for_model_training"] == TO_COMPLETE
    assert g["latest_date_of_data_acquisition"]["last_upload_to_the_platform"][:2] == "20"
    assert s["data_processing"]["tdm_opt_out"]["code_of_practice_signatory"] == TO_COMPLETE
    assert s["data_sources"]["crawled_and_scraped"]["crawlers_used_by_the_provider"] == TO_COMPLETE
    text = g["modalities"]["text"]
    assert text["used"] and text["size_in_other_units"]["records"] == sum(f.records for f in facts)
    assert text["training_data_size"] == "Less than 1 billion tokens"
    assert [m for m, v in g["modalities"].items() if v["used"]] == ["text"]
    public = s["data_sources"]["publicly_available_datasets"]
    assert public["used"] and [d["dataset"] for d in public["datasets"]] == [built.open_ref]
    assert public["datasets"][0]["licence"] == "CC-BY-4.0"
    private = s["data_sources"]["private_datasets_from_third_parties"]
    assert [(d["partner"], d["licence"]) for d in private["by_partner_and_licence"]] == [
        ("beta", "LicenseRef-beta-agreement")
    ]
    assert private["commercially_licensed_by_rightsholders"].startswith(TO_COMPLETE)
    per_source = s["data_processing"]["illegal_content"]["per_source"]
    assert all(d["lawful_basis_or_consent"] == NOT_RECORDED for d in per_source)
    md = ai_act.render_markdown(s)
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings == TEMPLATE_HEADINGS
    assert "Date of placement of the model on the Union market: " + TO_COMPLETE in md
    assert "secret" not in md and "secret" not in json.dumps(s)  # private datasets: by partner and licence only


def test_ai_act_summary_without_private_sources_says_no(built: Built, act_as: Acting) -> None:
    with act_as() as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, built.open_ref), 1)
        s = ai_act.summary(gather_approved(acc, [version], "ai-act-summary"))
    assert s["general_information"]["provider"]["name"] == TO_COMPLETE
    assert s["general_information"]["model"]["versioned_names"] == TO_COMPLETE
    private = s["data_sources"]["private_datasets_from_third_parties"]
    assert not private["used"] and private["by_partner_and_licence"] == []
    md = ai_act.render_markdown(s)
    assert "### 2.2. Private non-publicly available datasets obtained from third parties\n\nNone supplied" in md


def test_size_ranges() -> None:
    # template section 1.3: three ranges per modality; "1 billion to 10 trillion" includes both ends
    assert size_range("text", 999_999_999) == "Less than 1 billion tokens"
    assert size_range("text", 10**9) == "1 billion to 10 trillion tokens"
    assert size_range("text", 2 * 10**12) == "1 billion to 10 trillion tokens"
    assert size_range("text", 10**13) == "1 billion to 10 trillion tokens"
    assert size_range("text", 10**13 + 1) == "More than 10 trillion tokens"
    assert size_range("image", 10**9 + 1) == "More than 1 billion images"
    assert size_range("audio", 9_999) == "Less than 10 000 hours"
    assert size_range("audio", 20_000) == "10 000 to 1 million hours"
    assert size_range("video", 2 * 10**6) == "More than 1 million hours"


def test_only_approved_versions_enter_the_summary(  # type: ignore[no-untyped-def]
    built: Built, harbor: Harbor, make_dataset, act_as: Acting, tmp_path: Path
) -> None:
    ref = make_dataset("acme/draft", tier="open", license="CC0-1.0")
    process(
        harbor, ref, write_texts(tmp_path / "draft", {"d.txt": "A draft note about the harbour ferry timetable.\n"})
    )
    with act_as() as acc:
        draft = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
        approved = repo.get_version(acc.session, repo.get_dataset(acc.session, built.open_ref), 1)
        with pytest.raises(Conflict, match="acme/draft@v1 is audited, not approved"):
            gather_approved(acc, [approved, draft], "ai-act-summary")


def test_private_documents_hold_no_content_and_reads_are_logged(
    built: Built, act_as: Acting, facts_of: Callable[..., Facts], harbor: Harbor
) -> None:
    facts = facts_of(built.private_ref, "card")
    with act_as() as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, built.private_ref), 1)
        summary = ai_act.summary(gather_approved(acc, [version], "ai-act-summary"))
    docs = {
        "card": card.render(facts),
        "croissant": croissant.render(facts),
        "datasheet": datasheet.render(facts),
        "ai-act md": ai_act.render_markdown(summary),
        "ai-act json": json.dumps(summary),
    }
    assert facts.records == 2  # the marker is in the kept records' text and file names
    for name, text in docs.items():
        assert MARKER.lower() not in text.lower(), name
        assert "jane.doe" not in text, name
    # the open dataset's documents may quote nothing either, but its records are public: the marker test is private
    with act_as() as acc:
        events = acc.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.read")).all()
    logged = [e.details.get("document") for e in events if e.allowed]
    assert "card" in logged and "ai-act-summary" in logged


def test_documents_go_through_the_policy(
    built: Built, facts_of: Callable[..., Facts], make_principal: Callable[..., int]
) -> None:
    trainer = Actor(id=make_principal("t@x", "trainer"), name="t@x", roles=frozenset({"trainer"}))
    auditor = Actor(id=make_principal("a@x", "auditor"), name="a@x", roles=frozenset({"auditor"}))
    assert facts_of(built.open_ref, actor=None).records == 3  # an open dataset's documents are public
    with pytest.raises(Forbidden):
        facts_of(built.private_ref, actor=None)
    with pytest.raises(Forbidden):
        facts_of(built.private_ref, actor=trainer)
    assert facts_of(built.private_ref, actor=auditor).private  # auditors read metadata and reports


def test_open_documents_quote_no_record_either(built: Built, facts_of: Callable[..., Facts]) -> None:
    facts = facts_of(built.open_ref)
    needle = next(iter(OPEN_TEXTS.values()))[:40]
    for text in (card.render(facts), croissant.render(facts), datasheet.render(facts)):
        assert needle not in text


def test_a_failure_after_a_logged_read_rolls_back_cleanly(built: Built, act_as: Acting) -> None:
    # the logged read of a private document is undone with the unit of work (the audit log's rollback hook)
    with pytest.raises(RuntimeError, match="after the read"), act_as() as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, built.private_ref), 1)
        gather_approved(acc, [version], "rolled-back")
        raise RuntimeError("after the read")
    with act_as() as acc:
        events = acc.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.read")).all()
    assert "rolled-back" not in [e.details.get("document") for e in events]


def test_bias_lines_say_which_languages_the_group_figures_cover(built: Built, facts_of: Callable[..., Facts]) -> None:
    from dataharbor.documents.common import bias_lines

    facts = facts_of(built.open_ref)
    assert "measured on 3 of 3 records (und 3)." in bias_lines(facts)[0]  # the audit's own coverage
    bias = facts.report["sections"]["bias"]
    bias["group_languages"] = {"analysed": {"en": 2, "fr": 1}, "not_analysed": {"pl": 4}}
    bias["analysed_records"] = 3
    lines = bias_lines(facts)
    assert "measured on 3 of 3 records (en 2, fr 1)." in lines[0]
    assert any(line.startswith("Not analysed for groups") and "pl 4" in line for line in lines)
