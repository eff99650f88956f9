"""Choose the dependency source for a project folder, or read the file a user named."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from importlib import import_module
from pathlib import Path

from assay.collectors.environment import inventory_environment
from assay.collectors.probe import ProbeRun, find_interpreter
from assay.collectors.pyproject import read_declaration, read_pyproject
from assay.core.inventory import Inventory, Notice, NoticeLevel, Origin, SourceKind, SourceRecord
from assay.errors import InventoryError, NoDependencySource

__all__ = ["collect_inventory", "kind_of", "lockfile_candidates", "reader"]

Reader = Callable[[Path], Inventory]

# Each reader's module is imported only when its kind of file is read.
_READERS: dict[SourceKind, tuple[str, str]] = {
    SourceKind.PYLOCK: ("assay.collectors.pylock", "read_pylock"),
    SourceKind.UV_LOCK: ("assay.collectors.uv_lock", "read_uv_lock"),
    SourceKind.POETRY_LOCK: ("assay.collectors.poetry_lock", "read_poetry_lock"),
    SourceKind.PIPFILE_LOCK: ("assay.collectors.pipfile_lock", "read_pipfile_lock"),
    SourceKind.REQUIREMENTS: ("assay.collectors.requirements", "read_requirements"),
    SourceKind.PYPROJECT: ("assay.collectors.pyproject", "read_pyproject"),
}


def reader(kind: SourceKind) -> Reader:
    """The function that reads files of ``kind``."""
    module, function = _READERS[kind]
    found: Reader = getattr(import_module(module), function)
    return found


# Most exact first: a lock file pins the whole tree; pyproject.toml only declares.
_PRECEDENCE = (
    SourceKind.PYLOCK,
    SourceKind.UV_LOCK,
    SourceKind.POETRY_LOCK,
    SourceKind.PIPFILE_LOCK,
    SourceKind.REQUIREMENTS,
)
_PYLOCK_NAME = re.compile(r"^pylock(\.[^./\\]+)?\.toml$")


def kind_of(path: Path) -> SourceKind | None:
    """The kind of dependency source a file is, judged by its name."""
    name = path.name
    if _PYLOCK_NAME.match(name):
        return SourceKind.PYLOCK
    fixed = {
        "uv.lock": SourceKind.UV_LOCK,
        "poetry.lock": SourceKind.POETRY_LOCK,
        "Pipfile.lock": SourceKind.PIPFILE_LOCK,
        "pyproject.toml": SourceKind.PYPROJECT,
    }
    if name in fixed:
        return fixed[name]
    if path.suffix in (".txt", ".in") and "requirements" in name.lower():
        return SourceKind.REQUIREMENTS
    return None


def lockfile_candidates(project: Path) -> list[tuple[SourceKind, Path]]:
    """Lock and requirements files directly in ``project``, most exact first."""
    found: list[tuple[SourceKind, Path]] = []
    names = sorted(p.name for p in project.iterdir() if p.is_file())
    for kind in _PRECEDENCE:
        for name in names:
            path = project / name
            if kind_of(path) is kind and (
                kind is not SourceKind.REQUIREMENTS or name == "requirements.txt"
            ):
                found.append((kind, path))
    return found


def collect_inventory(
    target: Path,
    *,
    python: str | Path | None = None,
    environment: bool = False,
    probe: ProbeRun | None = None,
) -> Inventory:
    """The inventory for ``target``: a dependency file, or a project folder.

    In a folder: ``python`` or ``environment`` selects the installed environment (the
    given interpreter, else the project's ``.venv``, else the running one); otherwise
    the most exact lock file found is read, then the project's ``.venv``, then the
    dependencies declared in pyproject.toml. The sources used are recorded, and files
    found but not used are reported as notices. ``probe`` is a probe already started in
    the interpreter that ``python`` or ``environment`` selects.
    """
    if not target.exists():
        raise InventoryError(
            f"no such file or folder: {target}",
            hint="pass a project folder or a lockfile (uv.lock, poetry.lock, requirements.txt...)",
        )
    if target.is_file():
        kind = kind_of(target)
        if kind is None:
            raise InventoryError(
                f"{target.name} is not a dependency file Assay reads",
                hint="pass pylock.toml, uv.lock, poetry.lock, Pipfile.lock, a requirements "
                "file (*requirements*.txt) or pyproject.toml, or a project folder",
            )
        return reader(kind)(target)

    project = target
    pyproject = project / "pyproject.toml"
    if python is not None or environment:
        return _environment(project, python, pyproject, probe)
    candidates = lockfile_candidates(project)
    if candidates:
        kind, chosen = candidates[0]
        inventory = reader(kind)(chosen)
        notices = [
            Notice(
                NoticeLevel.INFO,
                "source-not-used",
                f"also found {path.name}; used {chosen.name}, which is more exact",
                Origin(str(path)),
            )
            for _, path in candidates[1:]
        ]
        return _with_project(inventory, pyproject, notices)
    if (project / ".venv").is_dir():
        return _environment(project, None, pyproject)
    if pyproject.is_file():
        return read_pyproject(pyproject)
    raise NoDependencySource(
        f"found no dependency information in {project}",
        hint="add a lock file (uv lock, poetry lock, pip-compile...), pass a file, or "
        "inventory an installed environment with --python PATH",
    )


def _environment(
    project: Path, python: str | Path | None, pyproject: Path, probe: ProbeRun | None = None
) -> Inventory:
    interpreter = probe.interpreter if probe else find_interpreter(python, project)
    declared = _declared_in_files(project)
    if not pyproject.is_file():
        return inventory_environment(interpreter, run=probe, declared=declared, project=project)
    declaration = read_declaration(pyproject)
    required = tuple(str(d.requirement) for d in declaration.requirements if d.group is None)
    declared |= {d.requirement.name for d in declaration.requirements}
    inventory = inventory_environment(
        interpreter,
        root=declaration.root,
        root_requirements=required,
        run=probe,
        declared=declared,
        project=project,
    )
    record = SourceRecord(SourceKind.PYPROJECT, str(pyproject), declaration.file.sha256)
    return replace(inventory, sources=tuple(sorted({*inventory.sources, record})))


def _declared_in_files(project: Path) -> set[str]:
    """Names the project's lock and requirements files list (a project may pin pip or
    setuptools on purpose: then they are its dependencies, not the installer's tools)."""
    names: set[str] = set()
    if not project.is_dir():
        return names
    for kind, path in lockfile_candidates(project):
        try:
            names |= {c.name for c in reader(kind)(path).components}
        except InventoryError:
            continue  # an unreadable file declares nothing; the environment is the source
    return names


def _with_project(inventory: Inventory, pyproject: Path, notices: list[Notice]) -> Inventory:
    """Name the root project from pyproject.toml when the lock file does not."""
    root = inventory.root
    sources = list(inventory.sources)
    if root is None and pyproject.is_file():
        declaration = read_declaration(pyproject)
        root = declaration.root
        sources.append(SourceRecord(SourceKind.PYPROJECT, str(pyproject), declaration.file.sha256))
    return Inventory.build(
        inventory.components,
        inventory.edges,
        sources,
        [*inventory.notices, *notices],
        root=root,
        document_time=inventory.document_time,
    )
