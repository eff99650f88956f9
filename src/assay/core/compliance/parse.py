"""Catalogs and mappings from their parsed data (JSON catalogs, TOML mapping tables)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assay.core.compliance.model import RECORDS, Catalog, Control, NotApplicable, Requirement
from assay.errors import ConfigError

__all__ = ["parse_catalog", "parse_not_applicable", "parse_requirements"]


def parse_catalog(data: Mapping[str, Any], where: str) -> Catalog:
    try:
        framework = str(data["framework"])
        controls = tuple(
            Control(
                framework,
                str(c["id"]),
                str(c["title"]),
                str(c.get("group", "")),
                str(c.get("group_title", "")),
                str(c.get("oscal_id", "")),
            )
            for c in data["controls"]
        )
        catalog = Catalog(
            framework,
            str(data["title"]),
            str(data["version"]),
            str(data.get("published", "")),
            str(data["source"]),
            controls,
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(
            f"{where}: not a control catalog (missing or wrong {exc})",
            hint="a catalog is JSON with framework, title, version, source and controls "
            "[{id, title}]; see docs/compliance.md",
        ) from exc
    ids = [c.id for c in controls]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ConfigError(f"{where}: control ids appear twice: {', '.join(twice)}")
    return catalog


def parse_requirements(
    tables: Sequence[Mapping[str, Any]], where: str, *, kinds: Sequence[str], gates: Sequence[str]
) -> tuple[Requirement, ...]:
    out = []
    for n, table in enumerate(tables, 1):
        place = f"{where}: control mapping {n}"
        framework, control = _key(table, place)
        evidence = _names(table, "evidence", place)
        gate_ids = _names(table, "gates", place)
        records = _names(table, "records", place)
        for name, known, what in (
            (evidence, kinds, "evidence kind"),
            (gate_ids, gates, "gate"),
            (records, RECORDS, "record"),
        ):
            unknown = [x for x in name if x not in known]
            if unknown:
                raise ConfigError(
                    f"{place} ({framework} {control}) names an unknown {what}: "
                    f"{', '.join(unknown)}",
                    hint=f"known: {', '.join(known)}",
                )
        if not (evidence or gate_ids or records):
            raise ConfigError(
                f"{place} ({framework} {control}) names no evidence, gate or record",
                hint="mark a control that needs nothing as not applicable, with a justification",
            )
        required = table.get("required", True)
        if not isinstance(required, bool):
            raise ConfigError(f"{place}: required must be true or false")
        out.append(
            Requirement(
                framework,
                control,
                evidence,
                gate_ids,
                records,
                str(table.get("note", "")),
                required,
            )
        )
    return tuple(out)


def parse_not_applicable(
    tables: Sequence[Mapping[str, Any]], where: str
) -> tuple[NotApplicable, ...]:
    out = []
    for n, table in enumerate(tables, 1):
        place = f"{where}: not-applicable entry {n}"
        framework, control = _key(table, place)
        why = table.get("justification")
        if not isinstance(why, str) or not why.strip():
            raise ConfigError(
                f"{place} ({framework} {control}) has no justification",
                hint='say why the control does not apply: justification = "..."',
            )
        out.append(NotApplicable(framework, control, why.strip()))
    return tuple(out)


def _key(table: Mapping[str, Any], place: str) -> tuple[str, str]:
    framework, control = table.get("framework"), table.get("id", table.get("control"))
    if not isinstance(framework, str) or not isinstance(control, str):
        raise ConfigError(
            f"{place} needs framework and id",
            hint='for example framework = "ssdf" and id = "PW.8.2"',
        )
    return framework, control


def _names(table: Mapping[str, Any], key: str, place: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ConfigError(f"{place}: {key} must be a list of names")
    return tuple(value)
