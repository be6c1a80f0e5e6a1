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
from dataharbor.documents.ai_act import size_range
from dataharbor.errors import Conflict
from dataharbor.harbor import Harbor

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
    assert g["provider"]["name"] == "Example AI" and g["model"]["name"] == "harbor-7b"
    assert g["knowledge_cutoff"] == NOT_RECORDED and g["provider"]["contact"] == NOT_RECORDED
    text_size = g["size"]["text"]
    assert text_size["records"] == sum(f.records for f in facts) and text_size["range"] == "Less than 1 billion tokens"
    public = s["data_sources"]["publicly_available_datasets"]
    assert [d["dataset"] for d in public] == [built.open_ref] and public[0]["licence"] == "CC-BY-4.0"
    private = s["data_sources"]["private_datasets_licensed_from_partners"]
    assert [(d["partner"], d["licence"]) for d in private] == [("beta", "LicenseRef-beta-agreement")]
    assert all(d["lawful_basis_or_consent"] == NOT_RECORDED for d in s["data_processing"]["per_source"])
    md = ai_act.render_markdown(s)
    for heading in ("## 1. General information", "## 2. List of data sources", "## 3. Data processing aspects",
                    "### 2.1 Publicly available datasets", "### 3.2 Removal of illegal content"):  # fmt: skip
        assert heading in md, heading
    assert "secret" not in md and "secret" not in json.dumps(s)  # private datasets: by partner and licence only


def test_size_ranges() -> None:
    assert size_range("text", 999_999_999) == "Less than 1 billion tokens"
    assert size_range("text", 2 * 10**12) == "1 billion to 10 trillion tokens"
    assert size_range("text", 10**13) == "More than 10 trillion tokens"
    assert size_range("audio", 20_000) == "10,000 to 1 million hours"


def test_only_approved_versions_enter_the_summary(
    built: Built,
    harbor: Harbor,
    make_dataset,
    act_as: Acting,
    tmp_path: Path,  # type: ignore[no-untyped-def]
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
