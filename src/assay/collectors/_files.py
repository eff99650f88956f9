"""Reading input files once: bytes, digest, modification time, parsed TOML or JSON."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.errors import InventoryError

__all__ = [
    "SKIPPED_FOLDERS",
    "InputFile",
    "python_sources",
    "read_input",
    "relative_path",
    "walk_files",
]

SKIPPED_FOLDERS = frozenset(
    {
        "venv",
        "node_modules",
        "vendor",
        "third_party",
        "__pycache__",
        "site-packages",
    }
)
"""Folders that hold other people's code; hidden folders are skipped too."""
_NOT_SOURCE = frozenset({"tests", "test", "docs", "examples", "build", "dist"})
"""Folders of a project that hold no shipped source (build output holds copies of it)."""


@dataclass(frozen=True)
class InputFile:
    """One input file, read once."""

    path: Path
    data: bytes
    sha256: str
    mtime: int

    @property
    def text(self) -> str:
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InventoryError(
                f"{self.path} is not UTF-8 text (byte {exc.start} is invalid)",
                hint="lockfiles and manifests are text files; check that this is the right file",
            ) from exc

    def toml(self) -> dict[str, Any]:
        try:
            return tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:
            raise InventoryError(
                f"{self.path} is not valid TOML: {exc}",
                hint="regenerate it with the tool that wrote it, or pass another file",
            ) from exc

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise InventoryError(
                f"{self.path} is not valid JSON: {exc.msg} at line {exc.lineno}",
                hint="regenerate it with the tool that wrote it, or pass another file",
            ) from exc

    def corrupt(self, what: str) -> InventoryError:
        """An error saying the file does not have the structure its format requires."""
        return InventoryError(
            f"{self.path} is not a valid {self.path.name}: {what}",
            hint="regenerate it with the tool that wrote it, or pass another file",
        )


def read_input(path: Path) -> InputFile:
    """Read ``path`` whole, with a user-facing error when that is impossible."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError as exc:  # a name the file system gave as bytes, not text
        shown = str(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise InventoryError(
            f"the file name {shown} is not UTF-8",
            hint="rename the file or folder: SBOMs and reports record file names as UTF-8",
        ) from exc
    try:
        data = path.read_bytes()
        mtime = int(path.stat().st_mtime)
    except FileNotFoundError as exc:
        raise InventoryError(
            f"no such file: {path}", hint="check the path, or pass a project folder"
        ) from exc
    except IsADirectoryError as exc:
        raise InventoryError(f"{path} is a folder, not a file") from exc
    except OSError as exc:
        raise InventoryError(f"cannot read {path}: {exc.strerror}") from exc
    return InputFile(path, data, hashlib.sha256(data).hexdigest(), mtime)


def relative_path(path: Path | str, root: Path) -> str:
    """``path`` (relative to the working folder, or absolute) relative to ``root``, posix."""
    candidate = Path(path)
    try:
        return candidate.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return candidate.as_posix()


def walk_files(root: Path, suffixes: tuple[str, ...] | None = None) -> Iterator[Path]:
    """Files under ``root`` in sorted order, skipping hidden and vendored folders."""
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.is_dir():
            if not entry.name.startswith(".") and entry.name not in SKIPPED_FOLDERS:
                yield from walk_files(entry, suffixes)
        elif entry.is_file() and (suffixes is None or entry.suffix in suffixes):
            yield entry


def python_sources(root: Path) -> list[Path]:
    """The project's own Python modules: no tests, docs or examples."""
    return [
        path
        for path in walk_files(root, (".py",))
        if not _NOT_SOURCE & set(path.relative_to(root).parts[:-1])
        and not path.name.startswith("test_")
        and path.name != "conftest.py"
    ]
