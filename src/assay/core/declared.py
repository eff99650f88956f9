"""Components from declared requirements (PEP 508 lines), pinned or not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from assay.core.inventory import (
    ArtifactHash,
    Component,
    Dependency,
    Notice,
    NoticeLevel,
    Origin,
    canonical_name,
)

__all__ = ["assign_groups", "exact_version", "requirement_component"]


def exact_version(specifier: SpecifierSet) -> str | None:
    """The version a specifier pins exactly (``==1.2`` or ``===1.2``), else ``None``."""
    specs = list(specifier)
    if len(specs) != 1:
        return None
    spec = specs[0]
    if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith(".*")):
        return spec.version
    return None


def requirement_component(
    req: Requirement,
    origin: Origin,
    *,
    group: str | None = None,
    hashes: Sequence[ArtifactHash] = (),
    location: str | None = None,
) -> tuple[Component, Notice | None]:
    """A component for a declared requirement; unpinned ones come with a notice."""
    version = exact_version(req.specifier)
    component = Component(
        name=canonical_name(req.name),
        version=version,
        origin=origin,
        declared_name=req.name,
        specifier=str(req.specifier),
        marker=str(req.marker) if req.marker else None,
        hashes=tuple(sorted(set(hashes))),
        groups=(group,) if group else (),
        location=location or req.url,
    )
    notice = None
    if version is None:
        what = f"'{req.specifier}'" if req.specifier else "no version"
        if location or req.url:
            what = f"a direct reference ({location or req.url})"
        notice = Notice(
            NoticeLevel.WARNING,
            "unpinned",
            f"{req.name} is not pinned to one version (declared with {what}); "
            "its version is unknown until it is locked or installed",
            origin,
        )
    return component, notice


def assign_groups(components: Sequence[Component], edges: Sequence[Dependency]) -> list[Component]:
    """Mark each component with the optional groups that alone pull it in.

    A component reachable from the root's required dependencies belongs to no group;
    one reachable only through root edges of optional groups (extras, dev groups) gets
    those groups. Without any root edges the components are returned unchanged.
    """
    children: dict[str, set[str]] = {}
    for edge in edges:
        if edge.source:
            children.setdefault(edge.source, set()).add(edge.target)
    starts: dict[str | None, set[str]] = {}
    for edge in edges:
        if edge.source == "":
            starts.setdefault(edge.group, set()).add(edge.target)
    if not starts:
        return list(components)
    reach = {group: _closure(names, children) for group, names in starts.items()}
    required = reach.get(None, set())
    result = []
    for component in components:
        if component.name in required:
            groups: tuple[str, ...] = ()
        else:
            groups = tuple(sorted(g for g, names in reach.items() if g and component.name in names))
        result.append(replace(component, groups=groups))
    return result


def _closure(starts: set[str], children: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(children.get(name, ()))
    return seen
