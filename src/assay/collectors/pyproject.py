"""The project's own declaration in pyproject.toml: name, version, direct dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from assay.collectors._files import InputFile, read_input
from assay.core.declared import requirement_component
from assay.core.inventory import (
    Component,
    Dependency,
    Inventory,
    Notice,
    NoticeLevel,
    Origin,
    RootProject,
    SourceKind,
    SourceRecord,
    canonical_name,
)

__all__ = [
    "DeclaredRequirement",
    "ProjectDeclaration",
    "project_label",
    "project_name",
    "read_declaration",
    "read_pyproject",
]


@dataclass(frozen=True)
class DeclaredRequirement:
    """One dependency the project declares, with the group that declares it."""

    requirement: Requirement
    group: str | None
    origin: Origin


@dataclass(frozen=True)
class ProjectDeclaration:
    """What pyproject.toml says about the project itself."""

    file: InputFile
    root: RootProject | None
    requirements: tuple[DeclaredRequirement, ...]
    notices: tuple[Notice, ...]

    def root_edges(self) -> list[Dependency]:
        return [
            Dependency(
                "",
                canonical_name(d.requirement.name),
                str(d.requirement.specifier),
                str(d.requirement.marker) if d.requirement.marker else None,
                d.group,
            )
            for d in self.requirements
        ]


def read_declaration(path: Path) -> ProjectDeclaration:
    """Parse ``path`` (a pyproject.toml) for PEP 621, PEP 735 and Poetry declarations."""
    file = read_input(path)
    doc = file.toml()
    lines = file.text.splitlines()
    found: list[tuple[str, str | None]] = []
    project = doc.get("project")
    if project is not None and not isinstance(project, dict):
        raise file.corrupt("[project] must be a table")
    project = project or {}
    found += [(text, None) for text in _strings(file, project.get("dependencies", []))]
    for extra, texts in _table(file, project.get("optional-dependencies", {})).items():
        found += [(text, extra) for text in _strings(file, texts)]
    groups = _table(file, doc.get("dependency-groups", {}))
    for group in groups:
        found += [(text, group) for text in _group_strings(file, groups, group, set())]
    poetry = _table(file, _table(file, doc.get("tool", {})).get("poetry", {}))
    found += [(t, None) for t in _poetry_requirements(file, poetry.get("dependencies", {}))]
    for group, table in _table(file, poetry.get("group", {})).items():
        deps = _table(file, table).get("dependencies", {})
        found += [(t, group) for t in _poetry_requirements(file, deps)]
    found += [(t, "dev") for t in _poetry_requirements(file, poetry.get("dev-dependencies", {}))]

    notices: list[Notice] = []
    declared: list[DeclaredRequirement] = []
    for text, declaring_group in found:
        origin = Origin(str(path), _line_of(lines, text))
        try:
            declared.append(DeclaredRequirement(Requirement(text), declaring_group, origin))
        except InvalidRequirement as exc:
            notices.append(
                Notice(NoticeLevel.WARNING, "invalid-requirement", f"{text!r}: {exc}", origin)
            )
    name = project.get("name") or poetry.get("name")
    version = project.get("version") or poetry.get("version")
    root = RootProject(str(name), str(version) if version else None) if name else None
    return ProjectDeclaration(file, root, tuple(declared), tuple(notices))


def read_pyproject(path: Path) -> Inventory:
    """Inventory of the dependencies declared in pyproject.toml (not resolved)."""
    declaration = read_declaration(path)
    components: list[Component] = []
    notices = list(declaration.notices)
    for declared in declaration.requirements:
        component, notice = requirement_component(
            declared.requirement, declared.origin, group=declared.group
        )
        components.append(component)
        if notice:
            notices.append(notice)
    source = SourceRecord(SourceKind.PYPROJECT, str(path), declaration.file.sha256)
    return Inventory.build(
        components,
        declaration.root_edges(),
        [source],
        notices,
        root=declaration.root,
        document_time=declaration.file.mtime,
    )


def _table(file: InputFile, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise file.corrupt(f"expected a table, found {value!r}")
    return value


def _strings(file: InputFile, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise file.corrupt(f"dependencies must be a list of strings, found {value!r}")
    return list(value)


def _group_strings(
    file: InputFile, groups: dict[str, Any], group: str, visiting: set[str]
) -> list[str]:
    """A PEP 735 group's requirements, following include-group entries."""
    if group in visiting:
        raise file.corrupt(f"dependency group {group!r} includes itself")
    if group not in groups:
        raise file.corrupt(f"dependency group {group!r} is included but not defined")
    result: list[str] = []
    for entry in groups[group] if isinstance(groups[group], list) else []:
        if isinstance(entry, str):
            result.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            result += _group_strings(file, groups, entry["include-group"], visiting | {group})
        else:
            raise file.corrupt(f"unexpected entry {entry!r} in dependency group {group!r}")
    return result


def _poetry_requirements(file: InputFile, table: Any) -> list[str]:
    """Poetry's ``name = "^1.2"`` declarations as PEP 508 strings (versions kept verbatim)."""
    result = []
    for name, spec in _table(file, table).items():
        if name.lower() == "python":
            continue
        constraint = spec.get("version", "") if isinstance(spec, dict) else spec
        if isinstance(constraint, str) and constraint.strip() not in ("", "*"):
            text = constraint.strip()
            # Poetry writes exact pins as "1.2.3" or "==1.2.3"; other forms (^, ~) are
            # Poetry syntax, not PEP 440, so they stay unpinned with no specifier.
            if text[0].isdigit():
                result.append(f"{name}=={text}")
            elif text.startswith(("==", ">", "<")):
                result.append(f"{name}{text}")
            else:
                result.append(name)
        else:
            result.append(name)
    return result


def _line_of(lines: list[str], text: str) -> int | None:
    for number, line in enumerate(lines, start=1):
        if text in line:
            return number
    return None


def project_label(project: Path | str) -> str:
    """A project named directly (the team server's routes), or by its folder."""
    return project if isinstance(project, str) else project_name(project)


def project_name(project: Path) -> str:
    """The project's name: ``[project] name`` (or Poetry's) when declared, else its folder's."""
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        declaration = read_declaration(pyproject)
        if declaration.root:
            return declaration.root.name
    return project.resolve().name
