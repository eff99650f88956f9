"""Inventory of an installed environment from its distribution metadata (no I/O here)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

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

__all__ = [
    "INSTALLER_TOOLING",
    "INSTALLER_TOOLING_LEFT_OUT",
    "ROOT_FROM_ENVIRONMENT",
    "DistributionMetadata",
    "environment_inventory",
]

INSTALLER_TOOLING = frozenset({"pip", "setuptools", "wheel", "distribute", "pkg-resources"})
"""What ``python -m venv`` and the installers put in every environment (``pkg-resources``
is the ``0.0.0`` entry Ubuntu's venvs list): the installer's tools, not the project's
dependencies, unless the project declares them or a dependency requires them."""
INSTALLER_TOOLING_LEFT_OUT = "installer-tooling-left-out"
"""Code of the notice naming each tool left out of an environment's inventory."""
ROOT_FROM_ENVIRONMENT = "root-from-environment"
"""Code of the notice naming the project found installed from its own folder."""
# Copies of libraries the tools vendor, when an environment lists them as distributions.
_VENDORED_IN_TOOLING = re.compile(
    r"[/\\](pip[/\\]_vendor|setuptools[/\\]_vendor|pkg_resources[/\\]_vendor"
    r"|wheel[/\\]vendored)[/\\]"
)


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
    declared: Collection[str] = (),
) -> Inventory:
    """Build the inventory of an environment.

    Edges come from each distribution's Requires-Dist, keeping only requirements whose
    markers hold for ``marker_environment`` with the extras that the distribution's
    dependents actually request.

    The installer's tooling (``INSTALLER_TOOLING`` and what it vendors) is left out, with
    an info notice per tool, unless the project declares it (``root_requirements`` or the
    names in ``declared``: its manifest, requirements and lock files) or a distribution
    that stays requires it.
    """
    installed: dict[str, DistributionMetadata] = {}
    for dist in distributions:
        installed.setdefault(canonical_name(dist.name), dist)
    root_name = canonical_name(root.name) if root else None
    if root_name and root_name in installed and not root_requirements:
        root_requirements = installed[root_name].requires_dist

    graph = _RequirementGraph(marker_environment)
    graph.add("", root_requirements, Origin("project"))
    for name, dist in installed.items():
        if name != root_name:
            graph.add(name, dist.requires_dist, Origin(dist.location))
    graph.resolve_extras()

    notices = graph.notices
    edges: list[Dependency] = []
    for name, req in graph.applicable():
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
            Dependency(name, target, str(req.specifier), str(req.marker) if req.marker else None)
        )

    tooling = _installer_tooling(installed, edges, declared)
    if tooling:
        places = {Origin(installed[name].location) for name in tooling}
        edges = [e for e in edges if e.source not in tooling and e.target not in tooling]
        notices = [n for n in notices if n.origin not in places]
        notices += [
            Notice(
                NoticeLevel.INFO,
                INSTALLER_TOOLING_LEFT_OUT,
                f"left out {installed[name].name} {installed[name].version}: the installer's "
                "own tooling, which the project does not declare",
                Origin(installed[name].location),
            )
            for name in sorted(tooling)
        ]

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
        if name != root_name and name not in tooling
    ]
    return Inventory.build(
        components, edges, [source], notices, root=root, document_time=document_time
    )


def _installer_tooling(
    installed: Mapping[str, DistributionMetadata],
    edges: Sequence[Dependency],
    declared: Collection[str],
) -> set[str]:
    """Canonical names of the tooling to leave out of the inventory."""
    wanted = {canonical_name(name) for name in declared}
    candidates = {
        name
        for name, dist in installed.items()
        if (name in INSTALLER_TOOLING or _VENDORED_IN_TOOLING.search(dist.location))
        and name not in wanted
    }
    # Required by the project ("" is the root) or by a distribution that stays: kept.
    needed = {e.target for e in edges if e.source not in candidates}
    return candidates - needed


# Requires-Dist lines that apply only with one extra ("...; extra == 'socks'") are parsed
# only when some dependent asks for that extra: most extras are never requested, and
# parsing every line would dominate the time of a large environment.
_ONLY_FOR_EXTRA = re.compile(r"""^[^;]*;\s*extra\s*==\s*['"]([^'"]+)['"]\s*$""")


class _RequirementGraph:
    """Requirements per dependent, with extras activated as dependents request them."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.notices: list[Notice] = []
        self.requirements: dict[str, list[Requirement]] = {}
        self.waiting: dict[str, dict[str, list[str]]] = {}
        self.extras: dict[str, set[str]] = {}
        self.origins: dict[str, Origin] = {}

    def add(self, name: str, lines: Sequence[str], origin: Origin) -> None:
        waiting: dict[str, list[str]] = {}
        eager: list[str] = []
        for line in lines:
            only = _ONLY_FOR_EXTRA.match(line)
            if only:
                waiting.setdefault(canonical_name(only.group(1)), []).append(line)
            else:
                eager.append(line)
        self.origins[name] = origin
        self.requirements[name] = _parse_requirements(eager, origin, self.notices)
        self.waiting[name] = waiting
        self.extras[name] = set()

    def resolve_extras(self) -> None:
        """Activate every requested extra, following what the extras themselves request."""
        work = [(name, req) for name, reqs in self.requirements.items() for req in reqs]
        while work:
            owner, req = work.pop()
            target = canonical_name(req.name)
            if not req.extras or target not in self.waiting or not self._applies(owner, req):
                continue
            for extra in sorted({canonical_name(e) for e in req.extras} - self.extras[target]):
                self.extras[target].add(extra)
                lines = self.waiting[target].pop(extra, [])
                added = _parse_requirements(lines, self.origins[target], self.notices)
                self.requirements[target] += added
                work += [(target, new) for new in added]

    def applicable(self) -> list[tuple[str, Requirement]]:
        """(dependent, requirement) pairs whose markers hold, in a stable order."""
        return [
            (name, req)
            for name in sorted(self.requirements)
            for req in self.requirements[name]
            if self._applies(name, req)
        ]

    def _applies(self, owner: str, req: Requirement) -> bool:
        return _applies(req, frozenset(self.extras.get(owner, ())), self.env)


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
