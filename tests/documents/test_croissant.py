"""Croissant 1.1 + RAI: mlcroissant validates it offline, and loads an open version's records through it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.documents.conftest import Acting, Built

from dataharbor.catalog import repo
from dataharbor.documents import Facts, croissant, export_data, gather
from dataharbor.errors import InvalidInput
from dataharbor.harbor import Harbor
from dataharbor.store.shards import RECORD_SCHEMA

RAI_KEYS = (
    "rai:dataCollection",
    "rai:dataPreprocessingProtocol",
    "rai:dataBiases",
    "rai:personalSensitiveInformation",
    "rai:dataLimitations",
    "rai:dataUseCases",
    "rai:dataAnnotationProtocol",
)


def test_open_croissant_validates_and_loads(
    built: Built, harbor: Harbor, act_as: Acting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "export"
    with act_as() as acc:
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, built.open_ref), 1)
        facts = gather(acc, version, "croissant")
        export_data(acc, harbor.store, facts, version, out)
    doc = croissant.to_jsonld(facts)
    assert doc["conformsTo"] == [croissant.CROISSANT_1_1, croissant.RAI_1_0]
    for key in RAI_KEYS:
        assert doc[key], key
    files = [d for d in doc["distribution"] if d["@type"] == "cr:FileObject"]
    assert [(d["contentUrl"], d["sha256"]) for d in files] == [(s.export_path, s.sha256) for s in facts.shards]
    assert {f["name"] for f in doc["recordSet"][0]["field"]} == set(RECORD_SCHEMA.names)
    assert doc["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    path = out / "croissant.json"
    path.write_text(croissant.render(facts), encoding="utf-8")

    # offline: any attempt to open a socket while mlcroissant validates or loads fails the test
    import socket

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("mlcroissant tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    errors, warnings = croissant.validate(path)
    assert errors == [], errors
    assert all("datePublished" not in w for w in warnings)  # approved: the approval date is the publication date
    records = croissant.load_records(path)
    expected = pq.read_table(out / "data" / facts.shards[0].name).to_pylist()
    assert len(records) == facts.records == len(expected) == 3
    assert sorted((r["id"], r["text"]) for r in records) == sorted((r["id"], r["text"]) for r in expected)

    import mlcroissant as mlc

    metadata = mlc.Dataset(jsonld=path).metadata
    assert metadata.data_biases and metadata.personal_sensitive_information and metadata.data_use_cases
    assert metadata.data_collection.startswith("Uploaded by the partner acme")


def test_private_croissant_lists_sealed_files_and_validates(
    built: Built, harbor: Harbor, act_as: Acting, facts_of: Callable[..., Facts], tmp_path: Path
) -> None:
    facts = facts_of(built.private_ref)
    doc = croissant.to_jsonld(facts)
    files = [d for d in doc["distribution"] if d["@type"] == "cr:FileObject"]
    assert files and all(d["encodingFormat"] == croissant.SEALED for d in files)
    assert all("not directly loadable" in d["description"] for d in files)
    assert "purpose-bound and logged" in doc["conditionsOfAccess"] and doc["isAccessibleForFree"] is False
    assert doc["license"]["name"] == "LicenseRef-beta-agreement"
    path = tmp_path / "croissant.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    errors, _ = croissant.validate(path)
    assert errors == [], errors
    with act_as() as acc, pytest.raises(InvalidInput, match="encrypted"):
        version = repo.get_version(acc.session, repo.get_dataset(acc.session, built.private_ref), 1)
        export_data(acc, harbor.store, facts, version, tmp_path / "nope")
    assert not (tmp_path / "nope").exists()


def test_invalid_croissant_is_reported() -> None:
    errors, _ = croissant.validate({"@context": croissant.CONTEXT, "@type": "sc:Dataset"})
    assert errors and any("name" in e for e in errors)
