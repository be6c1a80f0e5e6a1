from __future__ import annotations

import pytest

from dataharbor.catalog import repo
from dataharbor.errors import Conflict, InvalidInput, NotFound
from dataharbor.harbor import Harbor


def test_partner_and_dataset_roundtrip(harbor: Harbor) -> None:
    with harbor.catalog.session() as s:
        repo.add_partner(s, name="acme", jurisdiction="FR")
        ds = repo.create_dataset(
            s,
            partner="acme",
            name="letters",
            tier="private",
            license="LicenseRef-acme-dpa",
            purposes=["research"],
            languages=["fr", "en"],
            pii_policy="drop",
            retention_days=365,
        )
    with harbor.catalog.session() as s:
        got = repo.get_dataset(s, "acme/letters")
        assert (got.tier, got.license, got.purposes, got.languages, got.pii_policy) == (
            "private",
            "LicenseRef-acme-dpa",
            ["research"],
            ["fr", "en"],
            "drop",
        )
        assert got.redistribution is False  # private data is not redistributable unless said so
        assert got.id == ds.id
        assert [d.ref for d in repo.list_datasets(s, "acme")] == ["acme/letters"]


@pytest.mark.parametrize(
    ("tier", "license", "message"),
    [
        ("open", "CC-BY-NC-4.0", "not an open licence"),
        ("open", "LicenseRef-custom", "not an open licence"),
        ("private", "Made-Up-1.0", "not a known SPDX id"),
        ("public", "CC0-1.0", "Tier 'public' is not valid"),
    ],
)
def test_licence_and_tier_rules(harbor: Harbor, tier: str, license: str, message: str) -> None:
    with harbor.catalog.session() as s:
        repo.add_partner(s, name="acme")
    with harbor.catalog.session() as s, pytest.raises(InvalidInput, match=message):
        repo.create_dataset(s, partner="acme", name="x", tier=tier, license=license)


def test_open_dataset_defaults_to_all_purposes_and_redistribution(harbor: Harbor) -> None:
    with harbor.catalog.session() as s:
        repo.add_partner(s, name="acme")
        ds = repo.create_dataset(s, partner="acme", name="pub", tier="open", license="CC0-1.0")
        assert ds.redistribution is True
        assert ds.purposes == ["training", "evaluation", "fine-tuning", "research"]


def test_validation_errors(harbor: Harbor) -> None:
    with harbor.catalog.session() as s:
        repo.add_partner(s, name="acme")
    bad = [
        dict(purposes=["marketing"]),
        dict(pii_policy="keep-private-only"),  # open tier must redact or drop
        dict(pii_policy="keep"),
        dict(languages=["english"]),
        dict(retention_days=0),
    ]
    for kwargs in bad:
        with harbor.catalog.session() as s, pytest.raises(InvalidInput):
            repo.create_dataset(s, partner="acme", name="d", tier="open", license="CC0-1.0", **kwargs)  # type: ignore[arg-type]


def test_duplicates_and_missing(harbor: Harbor) -> None:
    with harbor.catalog.session() as s:
        repo.add_partner(s, name="acme")
    with harbor.catalog.session() as s, pytest.raises(Conflict):
        repo.add_partner(s, name="acme")
    with harbor.catalog.session() as s, pytest.raises(NotFound):
        repo.get_dataset(s, "acme/none")
    with harbor.catalog.session() as s, pytest.raises(InvalidInput, match="PARTNER/NAME"):
        repo.get_dataset(s, "no-slash")
    with pytest.raises(InvalidInput), harbor.catalog.session() as s:
        repo.add_partner(s, name="bad/name")


def test_parse_ref() -> None:
    assert repo.parse_ref("a/b") == ("a", "b", None)
    assert repo.parse_ref("a/b@v3") == ("a", "b", 3)
    assert repo.parse_ref("a/b@2") == ("a", "b", 2)
    with pytest.raises(InvalidInput):
        repo.parse_ref("a/b@latest")
