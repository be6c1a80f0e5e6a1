"""Pipeline profiles: named, ordered stage lists read from a YAML (or TOML) file, hashed into provenance."""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dataharbor.errors import ConfigError
from dataharbor.pipeline.stage import Stage, StageContext, build_stage, stage_class

BUILTIN = Path(__file__).with_name("profiles.yaml")


@dataclass(frozen=True, slots=True)
class StageSpec:
    name: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    description: str
    stages: tuple[StageSpec, ...]
    source: str  # the file it came from

    def validate(self) -> None:
        for spec in self.stages:
            stage_class(spec.name)  # unknown stage names fail early, with the list of known ones

    def build(self, context: StageContext) -> list[Stage]:
        return [build_stage(s.name, s.params, context) for s in self.stages]

    def split(self) -> tuple[tuple[StageSpec, ...], tuple[StageSpec, ...]]:
        """(map stages, global stages). Global stages must come after every map stage."""
        scopes = [stage_class(s.name).scope for s in self.stages]
        if "global" in scopes:
            first = scopes.index("global")
            if "map" in scopes[first:]:
                raise ConfigError(
                    f"Profile '{self.name}': map stages must come before global stages "
                    f"(order: {[s.name for s in self.stages]})",
                    profile=self.name,
                )
            return self.stages[:first], self.stages[first:]
        return self.stages, ()

    def describe(self, context: StageContext) -> dict[str, Any]:
        return {
            "profile": self.name,
            "stages": [{"name": st.name, "version": st.version, "params": st.describe()} for st in self.build(context)],
        }

    def config_hash(self, context: StageContext) -> str:
        canonical = json.dumps(self.describe(context), sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


def load_profiles(path: str | Path | None = None, *, validate: bool = True) -> dict[str, Profile]:
    """Every profile in the file; with `validate`, unknown stage names fail here, naming the known ones."""
    file = Path(path) if path else BUILTIN
    try:
        raw_text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Pipeline config '{file}' cannot be read: {exc}", path=str(file)) from exc
    try:
        data = tomllib.loads(raw_text) if file.suffix == ".toml" else yaml.safe_load(raw_text)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"Pipeline config '{file}' is not valid: {exc}", path=str(file)) from exc
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise ConfigError(f"Pipeline config '{file}' has no 'profiles' mapping", path=str(file))
    profiles = {name: _parse_profile(name, body, str(file)) for name, body in data["profiles"].items()}
    if validate:
        for profile in profiles.values():
            profile.validate()
    return profiles


def load_profile(name: str, path: str | Path | None = None) -> Profile:
    profiles = load_profiles(path, validate=False)
    if name not in profiles:
        raise ConfigError(f"Profile '{name}' not found; available: {', '.join(sorted(profiles))}", profile=name)
    profiles[name].validate()
    return profiles[name]


def _parse_profile(name: str, body: Any, source: str) -> Profile:
    if not isinstance(body, dict) or not isinstance(body.get("stages"), list):
        raise ConfigError(f"Profile '{name}' in '{source}' needs a 'stages' list", profile=name)
    specs: list[StageSpec] = []
    for entry in body["stages"]:
        if isinstance(entry, str):
            specs.append(StageSpec(entry))
        elif isinstance(entry, dict) and len(entry) == 1:
            ((stage, params),) = entry.items()
            if params is not None and not isinstance(params, dict):
                raise ConfigError(f"Profile '{name}': parameters of '{stage}' must be a mapping", profile=name)
            specs.append(StageSpec(str(stage), dict(params or {})))
        else:
            raise ConfigError(f"Profile '{name}': stage entry {entry!r} is neither a name nor {{name: params}}")
    return Profile(name, str(body.get("description", "")), tuple(specs), source)
