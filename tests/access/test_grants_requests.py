"""Grants and access requests through the services: validation, who may decide, what gets logged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dataharbor.access.clock import utcnow
from dataharbor.access.errors import Forbidden
from dataharbor.access.grants import GrantFilter, add_grant, list_grants, revoke_grant
from dataharbor.access.principals import actor_of, get_principal
from dataharbor.access.requests import approve_request, list_requests, reject_request, request_access
from dataharbor.access.subjects import Actor, Scope
from dataharbor.access.usage import usage_report
from dataharbor.catalog import repo
from dataharbor.catalog.models import AuditEvent, DatasetVersion
from dataharbor.errors import Conflict, InvalidInput
from dataharbor.harbor import Harbor
from dataharbor.select.browse import read_records

LATER = utcnow() + timedelta(days=30)


@pytest.fixture
def world(harbor: Harbor, make_dataset: Callable[..., str], make_principal: Callable[..., int]) -> dict[str, Actor]:
    make_dataset("acme/priv", tier="private", license="LicenseRef-acme")
    make_dataset("acme/open")
    make_dataset("other/stuff", tier="private", license="LicenseRef-x")
    make_principal("ann", "partner_admin", partner="acme")
    make_principal("olga", "partner_admin", partner="other")
    make_principal("tina", "trainer", team="ml")
    make_principal("tom", "trainer", team="ml")
    make_principal("audrey", "auditor")
    with harbor.catalog.session() as s:
        for ref in ("acme/priv", "acme/open"):
            ds = repo.get_dataset(s, ref)  # an approved (empty) version: enough to decide on
            s.add(DatasetVersion(dataset_id=ds.id, number=1, state="approved", path=f"v/{ds.id}", manifest={}))
        return {n: actor_of(get_principal(s, n), Scope.WRITE) for n in ("ann", "olga", "tina", "tom", "audrey")}


def _version(acc: Any, ref: str) -> DatasetVersion:
    return repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1)


def test_grant_validation(world: dict[str, Actor], act_as: Any) -> None:
    ann = world["ann"]
    with act_as(ann) as acc:
        with pytest.raises(InvalidInput, match="open: anyone may read it"):
            add_grant(acc, dataset="acme/open", purpose="training", expires_at=LATER, principal="tina")
        with pytest.raises(InvalidInput, match="exactly one grantee"):
            add_grant(acc, dataset="acme/priv", purpose="training", expires_at=LATER, principal="tina", team="ml")
        with pytest.raises(InvalidInput, match="not valid"):
            add_grant(acc, dataset="acme/priv", purpose="spying", expires_at=LATER, principal="tina")
        with pytest.raises(InvalidInput, match="future"):
            add_grant(acc, dataset="acme/priv", purpose="training", expires_at=utcnow(), principal="tina")
        with pytest.raises(InvalidInput, match="before its expiry"):
            add_grant(
                acc, dataset="acme/priv", purpose="training", expires_at=LATER, not_before=LATER, principal="tina"
            )


def test_only_the_owning_partner_grants_and_a_denial_is_logged_though_the_call_fails(
    harbor: Harbor, world: dict[str, Actor], act_as: Any
) -> None:
    with pytest.raises(Forbidden), act_as(world["olga"]) as acc:
        add_grant(acc, dataset="acme/priv", purpose="training", expires_at=LATER, principal="olga")
    with harbor.catalog.session() as s:
        ev = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert ev is not None and (ev.principal, ev.action, ev.allowed) == ("olga", "grant.create", False)


def test_a_team_grant_reads_and_every_private_read_is_logged(
    harbor: Harbor, world: dict[str, Actor], act_as: Any
) -> None:
    with act_as(world["ann"]) as acc:
        gid = add_grant(acc, dataset="acme/priv", purpose="research", expires_at=LATER, team="ml").id
    with act_as(world["tom"]) as acc:
        assert read_records(acc, harbor.store, _version(acc, "acme/priv"), purpose="research") == []
    with act_as(world["ann"]) as acc:
        revoke_grant(acc, gid, reason="done")
        report = usage_report(acc, partner="acme")
    assert [(r["principal"], r["purpose"]) for r in report["reads"]] == [("tom", "research")]
    assert report["grants"][0]["state"] == "revoked" and report["grants"][0]["team"] == "ml"
    with pytest.raises(Forbidden, match="revoked"), act_as(world["tom"]) as acc:
        read_records(acc, harbor.store, _version(acc, "acme/priv"), purpose="research")


def test_open_reads_are_not_logged_but_open_denials_are(harbor: Harbor, world: dict[str, Actor], act_as: Any) -> None:
    with act_as(None) as acc:
        read_records(acc, harbor.store, _version(acc, "acme/open"))
    with act_as(world["audrey"]) as acc, pytest.raises(Forbidden, match="never content"):
        read_records(acc, harbor.store, _version(acc, "acme/open"))
    with harbor.catalog.session() as s:
        reads = s.scalars(select(AuditEvent).where(AuditEvent.action == "data.read")).all()
        assert [(e.principal, e.allowed) for e in reads] == [("audrey", False)]


def test_request_approve_reject(world: dict[str, Actor], act_as: Any) -> None:
    with act_as(world["tina"]) as acc:
        r1 = request_access(acc, dataset="acme/priv", purpose="training", justification="fine-tune a model").id
        r2 = request_access(
            acc, dataset="acme/priv", purpose="evaluation", justification="benchmark", wanted_until=LATER
        ).id
        with pytest.raises(InvalidInput, match="why"):
            request_access(acc, dataset="acme/priv", purpose="training", justification=" ")
    with act_as(world["olga"]) as acc, pytest.raises(Forbidden):
        approve_request(acc, r2)  # not her organisation's data
    with act_as(world["ann"]) as acc:
        with pytest.raises(InvalidInput, match="--until"):
            approve_request(acc, r1)  # no expiry wanted nor given
        reject_request(acc, r1, reason="not for training")
        _, grant = approve_request(acc, r2)
        assert grant.purpose == "evaluation" and grant.request_id == r2
        with pytest.raises(Conflict, match="already approved"):
            approve_request(acc, r2)
    with act_as(world["tina"]) as acc:
        mine = {r["id"]: r["state"] for r in list_requests(acc)}
        assert mine == {r1: "rejected", r2: "approved"}
        assert [g["purpose"] for g in list_grants(acc, GrantFilter(live_only=True))] == ["evaluation"]
    with act_as(world["tom"]) as acc:  # same team, but the grant names tina
        assert list_requests(acc) == [] and list_grants(acc) == []
    with act_as(world["audrey"]) as acc:
        assert len(list_requests(acc)) == 2  # auditors see requests on any dataset


def test_the_operator_cannot_request_access_as_nobody(world: dict[str, Actor], act_as: Any) -> None:
    with act_as() as acc, pytest.raises(InvalidInput, match="requested by a principal"):
        request_access(acc, dataset="acme/priv", purpose="training", justification="x")
    with act_as(world["ann"]) as acc, pytest.raises(Forbidden, match="only trainers"):
        request_access(acc, dataset="acme/priv", purpose="training", justification="x")
