"""The dependency inventory: components, edges and where every fact came from."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass, field

from packageurl import PackageURL
from packaging.utils import canonicalize_name

__all__ = [
    "ArtifactHash",
    "Component",
    "Dependency",
    "Inventory",
    "License",
    "LicenseOrigin",
    "Notice",
    "NoticeLevel",
    "Origin",
    "RootProject",
    "SourceKind",
    "SourceRecord",
    "canonical_name",
]


def canonical_name(name: str) -> str:
    """The PEP 503 form of a distribution name, used for identity and matching."""
    return str(canonicalize_name(name))


class SourceKind(enum.StrEnum):
    """The kinds of dependency source Assay reads."""

    ENVIRONMENT = "environment"
    REQUIREMENTS = "requirements.txt"
    POETRY_LOCK = "poetry.lock"
    UV_LOCK = "uv.lock"
    PIPFILE_LOCK = "Pipfile.lock"
    PYLOCK = "pylock.toml"
    PYPROJECT = "pyproject.toml"


class LicenseOrigin(enum.StrEnum):
    """The metadata field a licence fact was read from."""

    LICENSE_EXPRESSION = "License-Expression"
    LICENSE = "License"
    CLASSIFIER = "Classifier"


class NoticeLevel(enum.StrEnum):
    """How much a notice about the inventory matters."""

    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Origin:
    """Where a fact was read: a file (with line when known) or an environment path."""

    source: str
    """Path of the lockfile, manifest or distribution metadata folder."""
    line: int | None = None
    """1-based line number, when the format has meaningful lines."""

    def __str__(self) -> str:
        return self.source if self.line is None else f"{self.source}:{self.line}"


@dataclass(frozen=True, order=True)
class ArtifactHash:
    """A digest of one artifact (wheel, sdist) of a component."""

    algorithm: str
    """Lower-case hashlib name, for example ``sha256``."""
    value: str
    """Lower-case hexadecimal digest."""
    artifact: str | None = None
    """File name of the artifact, when the source names it."""
    url: str | None = None
    """Download location of the artifact, when the source names it."""

    @classmethod
    def parse(
        cls, text: str, *, artifact: str | None = None, url: str | None = None
    ) -> ArtifactHash | None:
        """Parse ``sha256:HEX`` (as lockfiles write it); ``None`` when it is not that form."""
        algorithm, _, value = text.partition(":")
        if not value or not algorithm:
            return None
        return cls(algorithm.strip().lower(), value.strip().lower(), artifact, url)


@dataclass(frozen=True, order=True)
class License:
    """A licence fact: an SPDX expression when unambiguous, otherwise verbatim text."""

    origin: LicenseOrigin
    """The metadata field it came from."""
    expression: str | None = None
    """A valid SPDX licence expression, when the declared text maps to one."""
    text: str | None = None
    """The declared text, kept verbatim when it is not an SPDX expression."""


@dataclass(frozen=True)
class Component:
    """One distribution in the inventory."""

    name: str
    """PEP 503 canonical name: identity and matching use this."""
    version: str | None
    """Exact version; ``None`` when the source does not pin one."""
    origin: Origin
    """Where the component was read."""
    declared_name: str = ""
    """The name as the source wrote it."""
    specifier: str = ""
    """The version specifier declared, for unpinned components (``>=2``)."""
    marker: str | None = None
    """The environment marker under which the component applies."""
    licenses: tuple[License, ...] = ()
    hashes: tuple[ArtifactHash, ...] = ()
    groups: tuple[str, ...] = ()
    """Optional groups (extras, dev groups) that pull it in; empty for required ones."""
    summary: str | None = None
    """One-line description from the package metadata."""
    location: str | None = None
    """Direct reference (URL, VCS, local path) when not installed from an index."""

    @property
    def pinned(self) -> bool:
        """Whether the source fixes an exact version."""
        return self.version is not None

    @property
    def display_name(self) -> str:
        return self.declared_name or self.name

    @functools.cached_property
    def purl(self) -> str:
        """The package URL (purl spec, ``pypi`` type)."""
        return str(PackageURL(type="pypi", name=self.name, version=self.version).to_string())

    @property
    def key(self) -> tuple[str, str]:
        """Identity inside an inventory: canonical name and version."""
        return (self.name, self.version or "")


@dataclass(frozen=True, order=True)
class Dependency:
    """A dependency edge between two components, or from the root project."""

    source: str
    """Canonical name of the dependent; ``""`` for the root project."""
    target: str
    """Canonical name of the dependency."""
    specifier: str = ""
    marker: str | None = None
    group: str | None = None
    """For edges from the root: the optional group (extra, dev group) declaring it."""


@dataclass(frozen=True, order=True)
class Notice:
    """Something a reader of the inventory must know (an unpinned line, a broken edge)."""

    level: NoticeLevel
    code: str
    """Stable machine-readable code, for example ``unpinned``."""
    message: str
    origin: Origin | None = None


@dataclass(frozen=True, order=True)
class SourceRecord:
    """One input the inventory was built from."""

    kind: SourceKind
    path: str
    sha256: str
    """Digest of what was read (file bytes, or the environment's metadata listing)."""
    detail: str = ""
    """Free text: the interpreter version, the lockfile version..."""


@dataclass(frozen=True)
class RootProject:
    """The project the inventory describes, when known."""

    name: str
    version: str | None = None


@dataclass(frozen=True)
class Inventory:
    """All components of a project or environment, with edges and provenance.

    Build one with :func:`Inventory.build`, which sorts and de-duplicates so that equal
    inputs give equal inventories (and byte-identical documents).
    """

    components: tuple[Component, ...]
    edges: tuple[Dependency, ...]
    sources: tuple[SourceRecord, ...]
    notices: tuple[Notice, ...] = ()
    root: RootProject | None = None
    document_time: int | None = None
    """Seconds since the epoch of the newest input, used when SOURCE_DATE_EPOCH is unset."""
    _by_name: dict[str, tuple[Component, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def build(
        cls,
        components: list[Component] | tuple[Component, ...],
        edges: list[Dependency] | tuple[Dependency, ...] = (),
        sources: list[SourceRecord] | tuple[SourceRecord, ...] = (),
        notices: list[Notice] | tuple[Notice, ...] = (),
        root: RootProject | None = None,
        document_time: int | None = None,
    ) -> Inventory:
        unique: dict[tuple[str, str], Component] = {}
        for component in components:
            unique.setdefault(component.key, component)
        ordered = tuple(sorted(unique.values(), key=lambda c: c.key))
        by_name: dict[str, list[Component]] = {}
        for component in ordered:
            by_name.setdefault(component.name, []).append(component)
        return cls(
            components=ordered,
            edges=tuple(sorted(set(edges))),
            sources=tuple(sorted(set(sources))),
            notices=tuple(sorted(set(notices), key=_notice_sort_key)),
            root=root,
            document_time=document_time,
            _by_name={name: tuple(group) for name, group in by_name.items()},
        )

    def named(self, name: str) -> tuple[Component, ...]:
        """Components with this name (several when a lockfile has per-platform versions)."""
        return self._by_name.get(canonical_name(name), ())

    @property
    def direct_names(self) -> frozenset[str]:
        """Canonical names the project declares itself (the targets of root edges)."""
        return frozenset(e.target for e in self.edges if e.source == "")


def _notice_sort_key(notice: Notice) -> tuple[str, str, str, int, str]:
    origin = notice.origin
    return (
        notice.code,
        origin.source if origin else "",
        notice.message,
        origin.line or 0 if origin else 0,
        notice.level.value,
    )
