"""Inventory of an installed environment from its distribution metadata (no I/O here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier
from packaging.version import InvalidVersion, Version

from assay.core.inventory import (
    Component,
    Dependency,
    Inventory,
    Notice,
    NoticeLevel,
    Origin,
    RootProject,
    SourceRecord,
    canonical_name,
)
from assay.core.licenses import licenses_from_metadata

__all__ = ["DistributionMetadata", "environment_inventory"]


@dataclass(frozen=True)
class DistributionMetadata:
    """The fields of one installed distribution's core metadata that Assay uses."""

    name: str
    version: str
    location: str
    """The ``.dist-info`` or ``.egg-info`` folder it was read from."""
    requires_dist: tuple[str, ...] = ()
    license: str | None = None
    license_expression: str | None = None
    classifiers: tuple[str, ...] = ()
    summary: str | None = None
    direct_url: str | None = None
    """``url`` of direct_url.json (PEP 610) when installed from a URL, VCS or folder."""


def environment_inventory(
    distributions: Sequence[DistributionMetadata],
    marker_environment: Mapping[str, str],
    source: SourceRecord,
    *,
    root: RootProject | None = None,
    root_requirements: Sequence[str] = (),
    document_time: int | None = None,
) -> Inventory:
    """Build the inventory of an environment.

    Edges come from each distribution's Requires-Dist, keeping only requirements whose
    markers hold for ``marker_environment`` with the extras that the distribution's
    dependents actually request.
    """
    installed: dict[str, DistributionMetadata] = {}
    for dist in distributions:
        installed.setdefault(canonical_name(dist.name), dist)

    notices: list[Notice] = []
    requirements = {
        name: _parse_requirements(dist.requires_dist, Origin(dist.location), notices)
        for name, dist in installed.items()
    }
    root_name = canonical_name(root.name) if root else None
    if root_name and root_name in installed and not root_requirements:
        root_requirements = installed[root_name].requires_dist
    parsed_root = _parse_requirements(root_requirements, Origin("project"), notices)

    extras = _active_extras(installed, requirements, parsed_root, marker_environment)
    edges: list[Dependency] = []
    for name, reqs in [("", parsed_root), *sorted(requirements.items())]:
        if root_name and name == root_name:
            continue
        for req in reqs:
            if not _applies(req, extras.get(name, frozenset()), marker_environment):
                continue
            target = canonical_name(req.name)
            if target not in installed:
                if name:
                    notices.append(
                        Notice(
                            NoticeLevel.WARNING,
                            "missing-dependency",
                            f"{installed[name].name} requires {req}, which is not installed",
                            Origin(installed[name].location),
                        )
                    )
                continue
            _check_version(req, installed[target], installed.get(name), notices)
            edges.append(
                Dependency(
                    name,
                    target,
                    str(req.specifier),
                    str(req.marker) if req.marker else None,
                )
            )

    components = [
        Component(
            name=name,
            version=dist.version,
            origin=Origin(dist.location),
            declared_name=dist.name,
            licenses=licenses_from_metadata(
                dist.license_expression, dist.license, dist.classifiers
            ),
            summary=dist.summary or None,
            location=dist.direct_url,
        )
        for name, dist in installed.items()
        if name != root_name
    ]
    direct = {e.target for e in edges if e.source == ""}
    components = [_with_direct(c, c.name in direct) for c in components]
    return Inventory.build(
        components,
        edges,
        [source],
        notices,
        root=root,
        document_time=document_time,
    )


def _with_direct(component: Component, direct: bool) -> Component:
    return component if component.direct == direct else replace(component, direct=direct)


def _parse_requirements(
    lines: Sequence[str], origin: Origin, notices: list[Notice]
) -> list[Requirement]:
    parsed: list[Requirement] = []
    for line in lines:
        try:
            parsed.append(Requirement(line))
        except (InvalidRequirement, InvalidSpecifier, InvalidMarker) as exc:
            notices.append(
                Notice(
                    NoticeLevel.WARNING,
                    "invalid-requirement",
                    f"cannot parse requirement {line!r}: {exc}",
                    origin,
                )
            )
    return parsed


def _applies(req: Requirement, extras: frozenset[str], env: Mapping[str, str]) -> bool:
    if req.marker is None:
        return True
    try:
        return any(req.marker.evaluate({**env, "extra": extra}) for extra in ("", *sorted(extras)))
    except (UndefinedComparison, UndefinedEnvironmentName, InvalidVersion):
        return False


def _active_extras(
    installed: Mapping[str, DistributionMetadata],
    requirements: Mapping[str, list[Requirement]],
    root_requirements: list[Requirement],
    env: Mapping[str, str],
) -> dict[str, frozenset[str]]:
    """Which extras of each distribution its dependents request, to a fixed point."""
    active: dict[str, set[str]] = {name: set() for name in installed}
    pending = [("", root_requirements), *requirements.items()]
    # Each pass can only add extras, and there are finitely many, so this terminates;
    # the bound makes that visible.
    for _ in range(len(installed) + 2):
        changed = False
        for name, reqs in pending:
            own = frozenset(active.get(name, set()))
            for req in reqs:
                target = canonical_name(req.name)
                if target not in active or not req.extras or not _applies(req, own, env):
                    continue
                wanted = {canonical_name(e) for e in req.extras} - active[target]
                if wanted:
                    active[target] |= wanted
                    changed = True
        if not changed:
            break
    return {name: frozenset(values) for name, values in active.items()}


def _check_version(
    req: Requirement,
    target: DistributionMetadata,
    dependent: DistributionMetadata | None,
    notices: list[Notice],
) -> None:
    try:
        satisfied = req.specifier.contains(Version(target.version), prereleases=True)
    except InvalidVersion:
        return
    if not satisfied:
        who = dependent.name if dependent else "the project"
        notices.append(
            Notice(
                NoticeLevel.WARNING,
                "version-conflict",
                f"{who} requires {req}, but {target.name} {target.version} is installed",
                Origin(dependent.location if dependent else target.location),
            )
        )
