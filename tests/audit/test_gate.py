"""The review gate: audits move versions to `audited`, curators approve or reject, only approved data is served."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from dataharbor.access.errors import Forbidden
from dataharbor.access.subjects import Actor
from dataharbor.audit import audit_version, read_report, review_version
from dataharbor.audit.rules import load_rules
from dataharbor.catalog import repo
from dataharbor.catalog.models import AuditEvent, AuditReport, Grant, Review
from dataharbor.errors import Conflict, InvalidInput
from dataharbor.harbor import Harbor
from dataharbor.select.browse import read_records

CURATOR = Actor(2, "cura", frozenset({"curator"}))
MEMBER_ROLES = frozenset({"partner_member"})


def _texts(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("The library opens at nine on weekdays and at ten on Saturdays.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Reading groups meet every second Tuesday in the main hall.\n", encoding="utf-8")
    return folder


@pytest.fixture
def private_version(harbor: Harbor, make_dataset, make_principal, process, tmp_path: Path):  # type: ignore[no-untyped-def]
    ref = make_dataset("acme/letters", tier="private", license="LicenseRef-acme")
    outcome = process(ref, [_texts(tmp_path)])
    trainer_id = make_principal("tina", "trainer")
    with harbor.catalog.session() as s:
        ds = repo.get_dataset(s, ref)
        s.add(Grant(dataset_id=ds.id, principal_id=trainer_id, purpose="training",
                    expires_at=datetime.now(UTC) + timedelta(days=30), granted_by="ann"))  # fmt: skip
    return ref, outcome, Actor(trainer_id, "tina", frozenset({"trainer"}))


def _state(harbor: Harbor, ref: str) -> str:
    with harbor.catalog.session() as s:
        return repo.get_version(s, repo.get_dataset(s, ref), 1).state


def _trainer_reads(harbor: Harbor, act_as, ref: str, trainer: Actor) -> bool:  # type: ignore[no-untyped-def]
    with act_as(trainer) as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
        try:
            return bool(read_records(acc, harbor.store, version, purpose="training"))
        except Forbidden:
            return False


def test_a_job_audits_its_version_and_only_approval_releases_it(harbor: Harbor, act_as, private_version) -> None:  # type: ignore[no-untyped-def]
    ref, outcome, trainer = private_version
    assert outcome.audit["verdict"] in ("pass", "needs_review", "fail") and "error" not in outcome.audit
    assert _state(harbor, ref) == "audited"
    assert not _trainer_reads(harbor, act_as, ref, trainer)  # audited: not yet released
    with act_as(CURATOR) as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
        verdict = read_report(acc, version)["audit"]["verdict"]
        review_version(acc, version, "reject", "not yet", override=False)
    assert _state(harbor, ref) == "rejected"
    assert not _trainer_reads(harbor, act_as, ref, trainer)
    with act_as(CURATOR) as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
        review_version(acc, version, "approve", "fixed upstream", override=verdict == "fail")
    assert _state(harbor, ref) == "approved"
    assert _trainer_reads(harbor, act_as, ref, trainer)
    with harbor.catalog.session() as s:
        reviews = s.scalars(select(Review).order_by(Review.id)).all()
        assert [(r.decision, r.from_state, r.to_state, r.reviewer) for r in reviews] == [
            ("reject", "audited", "rejected", "cura"),
            ("approve", "rejected", "approved", "cura"),
        ]
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert "version.audit" in actions and actions.count("version.reject") == 1 and actions.count("version.approve") == 1


def test_a_processed_version_is_not_served_to_a_trainer(harbor: Harbor, act_as, private_version) -> None:  # type: ignore[no-untyped-def]
    ref, _, trainer = private_version
    with harbor.catalog.session() as s:
        repo.get_version(s, repo.get_dataset(s, ref), 1).state = "processed"
    assert not _trainer_reads(harbor, act_as, ref, trainer)
    # the partner's own members still read their unreleased version
    with harbor.catalog.session() as s:
        partner_id = repo.get_dataset(s, ref).partner_id
    member = Actor(50, "pm", MEMBER_ROLES, partner_id=partner_id)
    with act_as(member) as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
        assert read_records(acc, harbor.store, version)


def test_only_curators_review(harbor: Harbor, act_as, private_version) -> None:  # type: ignore[no-untyped-def]
    ref, _, trainer = private_version
    for who in (trainer, Actor(7, "pa", frozenset({"partner_admin"}), partner_id=1)):
        with act_as(who) as acc:
            version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
            with pytest.raises(Forbidden):
                review_version(acc, version, "approve", "looks fine")
    assert _state(harbor, ref) == "audited"
    with harbor.catalog.session() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.allowed.is_(False))).all()
    assert [e.action for e in denied] == ["version.approve", "version.approve"]


def test_a_failed_audit_needs_override_and_a_comment(harbor: Harbor, act_as, private_version, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ref, _, _ = private_version
    strict = tmp_path / "strict.yaml"
    strict.write_text("composition:\n  min_records: 1000000\n", encoding="utf-8")
    with act_as(CURATOR) as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
        report = audit_version(acc, harbor.store, version, load_rules(strict))
        assert report.verdict == "fail" and report.rules["composition"]["min_records"] == 1000000
        assert any(f["code"] == "composition.too_few_records" for f in report.findings)
    with act_as(CURATOR) as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
        with pytest.raises(Conflict, match="needs --override"):
            review_version(acc, version, "approve", "ship it")
        with pytest.raises(InvalidInput, match="comment"):
            review_version(acc, version, "approve", "  ", override=True)
        review = review_version(acc, version, "approve", "small by design: a pilot", override=True)
        assert review.to_state == "approved"
    # a re-audit keeps an approved version approved, with a new report
    with act_as(CURATOR) as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
        audit_version(acc, harbor.store, version, load_rules())
    assert _state(harbor, ref) == "approved"
    with harbor.catalog.session() as s:
        assert len(s.scalars(select(AuditReport)).all()) == 3


def test_review_needs_an_audited_version(harbor: Harbor, act_as, private_version) -> None:  # type: ignore[no-untyped-def]
    ref, _, _ = private_version
    with harbor.catalog.session() as s:
        repo.get_version(s, repo.get_dataset(s, ref), 1).state = "processed"
    with act_as(CURATOR) as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)
        with pytest.raises(Conflict, match="audit it first"):
            review_version(acc, version, "approve", "ok")


def test_a_failing_audit_does_not_fail_the_job(harbor: Harbor, make_dataset, process, tmp_path: Path) -> None:
    ref = make_dataset("acme/broken")
    (harbor.settings.resolved_home / "audit-rules.yaml").write_text("nonsense: {a: 1}\n", encoding="utf-8")
    outcome = process(ref, [_texts(tmp_path)])
    assert "unknown section 'nonsense'" in outcome.audit["error"]
    assert _state(harbor, ref) == "processed"
    with harbor.catalog.session() as s:
        from dataharbor.catalog.models import Job

        job = s.get(Job, outcome.job_id)
        assert job is not None and job.state == "succeeded" and job.error.startswith("audit failed:")
