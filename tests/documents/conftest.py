"""Document test helpers: an open and a private dataset, each processed (minimal profile), audited and approved."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest

from dataharbor.access.context import AccessContext
from dataharbor.access.subjects import LOCAL_ADMIN, Actor
from dataharbor.audit import review_version
from dataharbor.catalog import repo
from dataharbor.documents import Facts, gather
from dataharbor.harbor import Harbor
from dataharbor.ingest.upload import upload
from dataharbor.pipeline.jobs import run_job

MARKER = "Zyxwqmarker"  # in every private record's text and file name: it must never reach a private document

Acting = Callable[..., AbstractContextManager[AccessContext]]  # the type of the `act_as` fixture (tests/conftest.py)


@dataclass(frozen=True)
class Built:
    open_ref: str
    private_ref: str


def write_texts(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in texts.items():
        (folder / name).write_text(body, encoding="utf-8")
    return folder


OPEN_TEXTS = {
    "bridge.txt": "The council met on Tuesday to discuss the new bridge over the river. She said the plan was good"
    " and he agreed that the budget should be published before the vote.\n",
    "library.txt": "Volunteers wrote a short history of the town library for the community newsletter, from its"
    " founding in 1902 to the new reading room that opened last spring.\n",
    "market.txt": "Farmers bring apples, cheese and bread to the Saturday market; the mayor wants to move it to the"
    " old station square next year.\n",
}
PRIVATE_TEXTS = {
    f"{MARKER}-memo.txt": f"{MARKER} internal memo: the quarterly figures for the northern plant improved after the"
    " maintenance schedule changed; write back to jane.doe@example.org with questions.\n",
    "minutes.txt": f"Board minutes. {MARKER} presented the supplier review; the board asked for a second opinion on"
    " the logistics contract before signing.\n",
}


def process(harbor: Harbor, ref: str, folder: Path) -> None:
    with harbor.catalog.session() as s:
        result = upload(s, harbor.store, dataset_ref=ref, paths=[folder], profile="minimal")
    run_job(harbor.catalog, harbor.settings, result.job_id)


def approve(act_as: Acting, ref: str, number: int = 1) -> None:
    with act_as() as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, ref), number)
        review_version(acc, version, "approve", "checked for the documentation tests", override=True)


@pytest.fixture
def built(harbor: Harbor, make_dataset, act_as: Acting, tmp_path: Path) -> Built:  # type: ignore[no-untyped-def]
    """acme/open (CC-BY-4.0) and beta/secret (private, LicenseRef, training only, 365 days), both approved."""
    open_ref = make_dataset("acme/open", tier="open", license="CC-BY-4.0")
    private_ref = make_dataset("beta/secret", tier="private", license="LicenseRef-beta-agreement")
    with harbor.catalog.session() as s:
        ds = repo.get_dataset(s, private_ref)
        ds.purposes, ds.retention_days, ds.redistribution = ["training"], 365, False
    process(harbor, open_ref, write_texts(tmp_path / "open", OPEN_TEXTS))
    process(harbor, private_ref, write_texts(tmp_path / "private", PRIVATE_TEXTS))
    approve(act_as, open_ref)
    approve(act_as, private_ref)
    return Built(open_ref, private_ref)


@pytest.fixture
def facts_of(act_as: Acting) -> Callable[..., Facts]:
    def get(ref: str, document: str = "test", actor: Actor | None = LOCAL_ADMIN) -> Facts:
        with act_as(actor) as acc:
            return gather(acc, repo.get_version(acc.session, repo.get_dataset(acc.session, ref), 1), document)

    return get


@pytest.fixture
def make_principal(act_as: Acting) -> Callable[..., int]:
    from dataharbor.access.principals import add_principal

    def make(name: str, *roles: str, partner: str | None = None) -> int:
        with act_as() as acc:
            return add_principal(acc, name=name, roles=list(roles), partner=partner).id

    return make
