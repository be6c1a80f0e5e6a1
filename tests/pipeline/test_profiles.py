from __future__ import annotations

from pathlib import Path

import pytest

from dataharbor.errors import ConfigError
from dataharbor.pipeline.profiles import load_profile, load_profiles
from dataharbor.pipeline.stage import StageContext


def test_builtin_profiles_load_and_split() -> None:
    profiles = load_profiles()
    assert {"default", "minimal", "strict"} <= set(profiles)
    map_specs, global_specs = profiles["default"].split()
    assert [s.name for s in map_specs][:3] == ["normalize", "confidence", "language"]
    assert [s.name for s in global_specs] == ["dedup"]


def test_config_hash_changes_with_parameters(tmp_path: Path) -> None:
    cfg = tmp_path / "p.yaml"
    cfg.write_text("profiles:\n  a: {stages: [normalize]}\n  b: {stages: [{normalize: {min_chars: 50}}]}\n")
    ctx = StageContext()
    a, b = load_profile("a", cfg), load_profile("b", cfg)
    assert a.config_hash(ctx) != b.config_hash(ctx)
    assert a.config_hash(ctx) == load_profile("a", cfg).config_hash(ctx)
    assert b.describe(ctx)["stages"][0]["params"]["min_chars"] == 50


def test_toml_profiles(tmp_path: Path) -> None:
    cfg = tmp_path / "p.toml"
    cfg.write_text('[profiles.t]\ndescription = "toml"\nstages = ["normalize", {normalize = {min_chars = 3}}]\n')
    assert [s.params for s in load_profile("t", cfg).stages] == [{}, {"min_chars": 3}]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("profiles:\n  a: {stages: [nope]}\n", "Unknown stage 'nope'"),
        ("profiles: [1, 2]\n", "no 'profiles' mapping"),
        ("profiles:\n  a: {stages: 3}\n", "needs a 'stages' list"),
        ("profiles: {a: {stages: [normalize]}\n", "not valid"),
        ("profiles:\n  a: {stages: [dedup, normalize]}\n", "map stages must come before global"),
    ],
)
def test_bad_configs_are_explained(tmp_path: Path, content: str, message: str) -> None:
    cfg = tmp_path / "p.yaml"
    cfg.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_profile("a", cfg).split()


def test_unknown_profile_and_bad_params(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="available"):
        load_profile("nope")
    cfg = tmp_path / "p.yaml"
    cfg.write_text("profiles:\n  a: {stages: [{normalize: {colour: red}}]}\n")
    with pytest.raises(ConfigError, match="invalid parameters"):
        load_profile("a", cfg).build(StageContext())
