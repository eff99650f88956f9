"""requirements.txt files (pip's format), with hashes, includes and pip-compile annotations."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from pip_requirements_parser import InstallationError, RequirementsFile

from assay.collectors._files import read_input
from assay.core.declared import requirement_component
from assay.core.inventory import (
    ArtifactHash,
    Component,
    Dependency,
    Inventory,
    Notice,
    NoticeLevel,
    Origin,
    SourceKind,
    SourceRecord,
    canonical_name,
)
from assay.errors import InventoryError

__all__ = ["read_requirements"]

_VIA_LINE = re.compile(r"^\s*#\s+(?:via\s+)?(?P<who>\S.*?)\s*$")


def read_requirements(path: Path) -> Inventory:
    """Inventory of a requirements file and the files it includes with ``-r``.

    A line that does not pin one version is reported as unpinned; Assay never guesses
    which version pip would pick. Edges come from the ``# via`` annotations that
    pip-compile and ``uv export`` write; a file without them lists direct dependencies.
    """
    main = read_input(path)  # also gives a clean error for a missing or unreadable file
    try:
        parsed = RequirementsFile.from_file(str(path), include_nested=True)
    except UnicodeDecodeError as exc:  # this file, or one it includes with -r or -c
        raise InventoryError(
            f"{path} (or a file it includes) is not text: byte {exc.start} is not UTF-8",
            hint="requirements files are text; check that this is the right file",
        ) from exc
    except InstallationError as exc:
        raise InventoryError(
            f"cannot read {path}: {str(exc).split('|')[0]}",
            hint="check the paths of the files it includes with -r or -c",
        ) from exc
    if parsed.invalid_lines:
        bad = parsed.invalid_lines[0]
        line = bad.requirement_line
        reason = (bad.error_message or "invalid line").splitlines()[0]
        raise InventoryError(
            f"{line.filename}:{line.line_number}: {reason}",
            hint="fix the line (pip would reject it too), or regenerate the file",
        )

    components: list[Component] = []
    notices: list[Notice] = []
    edges: list[Dependency] = []
    files = {str(path): main}
    annotations: dict[str, dict[int, list[str]]] = {}
    for item in parsed.requirements:
        filename = item.requirement_line.filename
        if filename not in files:
            files[filename] = read_input(Path(filename))
        origin = Origin(filename, item.line_number)
        if item.is_constraint:
            continue
        if not item.name:
            notices.append(
                Notice(
                    NoticeLevel.WARNING,
                    "unnamed-requirement",
                    f"{item.line.strip()!r} names no distribution; it cannot be inventoried "
                    "without building it",
                    origin,
                )
            )
            continue
        requirement = _requirement(item, origin)
        hashes = [ArtifactHash.parse(text) for text in item.hash_options]
        component, notice = requirement_component(
            requirement,
            origin,
            hashes=[h for h in hashes if h],
            location=str(item.link.url) if item.link else None,
        )
        if notice:
            notices.append(notice)
        if filename not in annotations:
            annotations[filename] = _via_annotations(files[filename].text)
        dependents = annotations[filename].get(item.line_number)
        if dependents is None:
            edges.append(Dependency("", component.name, component.specifier, component.marker))
        else:
            for who in dependents:
                source = "" if who.startswith(("-r ", "-c ")) else who
                edges.append(Dependency(canonical_name(source) if source else "", component.name))
        components.append(component)

    sources = [
        SourceRecord(SourceKind.REQUIREMENTS, name, file.sha256) for name, file in files.items()
    ]
    known = {c.name for c in components}
    # A dependent that is not listed is the project itself (uv export names it).
    edges = [e if e.source in known else replace(e, source="") for e in edges]
    return Inventory.build(
        components,
        edges,
        sources,
        notices,
        document_time=max(file.mtime for file in files.values()),
    )


def _requirement(item: object, origin: Origin) -> Requirement:
    text = str(getattr(item, "req", "") or getattr(item, "name", ""))
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise InventoryError(f"{origin}: {exc}", hint="fix the requirement line") from exc


def _via_annotations(text: str) -> dict[int, list[str]]:
    """Map the first line of each requirement to the dependents its ``# via`` comment names.

    pip-compile and uv write either ``# via x`` on one line or ``# via`` followed by one
    ``#   x`` line per dependent, right after the requirement (and its continuation lines).
    """
    result: dict[int, list[str]] = {}
    lines = text.splitlines()
    start: int | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not line[:1].isspace():
            start = index + 1
        elif start is not None and stripped.startswith("# via"):
            rest = stripped[len("# via") :].strip()
            names = [rest] if rest else []
            while not rest and index + 1 < len(lines):
                follower = _VIA_LINE.match(lines[index + 1])
                if not follower or not lines[index + 1].strip().startswith("#   "):
                    break
                names.append(follower.group("who"))
                index += 1
            result[start] = [n.split(" (")[0].strip() for n in names]
            start = None
        index += 1
    return result
