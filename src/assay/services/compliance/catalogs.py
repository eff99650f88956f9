"""The control catalogs and mappings in force: Assay's own (package data under
``assay/data/compliance``) and the project's (``[compliance]`` in assay.toml)."""

from __future__ import annotations

import functools
import json
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from assay.core.compliance import (
    Catalog,
    NotApplicable,
    Requirement,
    parse_catalog,
    parse_not_applicable,
    parse_requirements,
)
from assay.core.evidence import EvidenceKind
from assay.errors import ConfigError, UsageError
from assay.settings import Settings

__all__ = ["Mappings", "builtin_catalogs", "catalogs", "mappings", "pick_frameworks"]

_DATA = "assay.data.compliance"


@functools.cache
def builtin_catalogs() -> dict[str, Catalog]:
    """The catalogs Assay ships, by framework id."""
    out = {}
    for item in sorted(resources.files(_DATA).iterdir(), key=lambda i: i.name):
        if item.name.endswith(".json"):
            catalog = parse_catalog(json.loads(item.read_text("utf-8")), f"assay:{item.name}")
            out[catalog.framework] = catalog
    return out


@functools.cache
def _builtin_tables() -> list[dict[str, Any]]:
    data = tomllib.loads(resources.files(_DATA).joinpath("mappings.toml").read_text("utf-8"))
    return list(data.get("control", []))


def catalogs(settings: Settings) -> dict[str, Catalog]:
    """Assay's catalogs plus the project's ``[compliance] catalogs`` (which may replace one
    of Assay's by using its framework id)."""
    out = dict(builtin_catalogs())
    for path in settings.compliance.catalogs:
        file = path if path.is_absolute() else settings.project_dir / path
        try:
            data = json.loads(file.read_text("utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(
                f"[compliance] catalogs: no such file {file}",
                hint="paths are relative to the project folder",
            ) from exc
        except (OSError, ValueError) as exc:
            raise ConfigError(f"[compliance] catalogs: cannot read {file}: {exc}") from exc
        catalog = parse_catalog(data, str(file))
        out[catalog.framework] = catalog
    return out


@dataclass(frozen=True)
class Mappings:
    requirements: tuple[Requirement, ...]
    not_applicable: tuple[NotApplicable, ...]


def mappings(settings: Settings, gate_ids: list[str]) -> Mappings:
    """Assay's default mappings, then the project's (a later one for the same control
    replaces the earlier); checked against the catalogs so a typo is an error, not a
    silently unmapped control."""
    kinds = [k.value for k in EvidenceKind]
    # Assay's own mappings may name a default gate the project switched off: the control
    # then reads it as not passing. The project's mappings name gates it has.
    from assay.core.policy import DEFAULT_POLICY

    builtin_gates = sorted({g.spec.id for g in DEFAULT_POLICY.gates} | set(gate_ids))
    builtin = parse_requirements(
        _builtin_tables(), "assay:mappings.toml", kinds=kinds, gates=builtin_gates
    )
    own = parse_requirements(
        settings.compliance.controls, "assay.toml [compliance]", kinds=kinds, gates=gate_ids
    )
    excused = parse_not_applicable(settings.compliance.not_applicable, "assay.toml [compliance]")
    known = catalogs(settings)
    entries: list[Requirement | NotApplicable] = [*own, *excused]
    for entry in entries:
        catalog = known.get(entry.framework)
        if catalog is None:
            raise ConfigError(
                f"assay.toml [compliance] names an unknown framework {entry.framework!r}",
                hint=f"known: {', '.join(sorted(known))}",
            )
        if catalog.control(entry.control) is None:
            raise ConfigError(
                f"assay.toml [compliance]: {entry.framework} has no control {entry.control!r}",
                hint=f"see: assay compliance status --framework {entry.framework}",
            )
    return Mappings((*builtin, *own), excused)


def pick_frameworks(settings: Settings, wanted: list[str] | None) -> list[Catalog]:
    known = catalogs(settings)
    names = wanted or settings.compliance.frameworks
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(
            f"unknown framework {', '.join(unknown)}",
            hint=f"choose from: {', '.join(sorted(known))}",
        )
    return [known[n] for n in names]
