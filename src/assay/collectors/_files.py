"""Reading input files once: bytes, digest, modification time, parsed TOML or JSON."""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.core.limits import MAX_TOML_KEY_PARTS, toml_key_depth
from assay.errors import InventoryError

__all__ = [
    "SKIPPED_FOLDERS",
    "InputFile",
    "expanded_size",
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
        text = self.text
        if toml_key_depth(text) > MAX_TOML_KEY_PARTS:  # tomllib is quadratic in them
            raise InventoryError(
                f"{self.path} cannot be read as TOML: a dotted key has more than "
                f"{MAX_TOML_KEY_PARTS} parts",
                hint="no tool writes such a file; regenerate it, or pass another file",
            )
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InventoryError(
                f"{self.path} is not valid TOML: {exc}",
                hint="regenerate it with the tool that wrote it, or pass another file",
            ) from exc
        except (ValueError, RecursionError) as exc:  # an integer of 4,300+ digits; deep nesting
            raise self._beyond_limits("TOML", exc) from exc

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise InventoryError(
                f"{self.path} is not valid JSON: {exc.msg} at line {exc.lineno}",
                hint="regenerate it with the tool that wrote it, or pass another file",
            ) from exc
        except (ValueError, RecursionError) as exc:  # an integer of 4,300+ digits; deep nesting
            raise self._beyond_limits("JSON", exc) from exc

    def _beyond_limits(self, form: str, exc: Exception) -> InventoryError:
        why = (
            "it nests arrays or tables too deeply"
            if isinstance(exc, RecursionError)
            else "it holds an integer too long to read (more than 4,300 digits)"
        )
        return InventoryError(
            f"{self.path} cannot be read as {form}: {why}",
            hint="no tool writes such a file; regenerate it, or pass another file",
        )

    def string(self, table: Mapping[str, Any], key: str, where: str) -> str | None:
        """``table[key]`` when it is text, None when it is absent; else the file is corrupt."""
        value = table.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self.corrupt(f"{key} of {where} must be text, not {_kind(value)}")

    def table(self, value: Any, where: str) -> dict[str, Any]:
        """``value`` when it is a table (an object), ``{}`` when absent; else corrupt."""
        if value is None:
            return {}
        if isinstance(value, dict):
            return value
        raise self.corrupt(f"{where} must be a table, not {_kind(value)}")

    def array(self, value: Any, where: str) -> list[Any]:
        """``value`` when it is an array, ``[]`` when absent; else corrupt."""
        if value is None:
            return []
        if isinstance(value, list):
            return value
        raise self.corrupt(f"{where} must be an array, not {_kind(value)}")

    def corrupt(self, what: str) -> InventoryError:
        """An error saying the file does not have the structure its format requires."""
        return InventoryError(
            f"{self.path} is not a valid {self.path.name}: {what}",
            hint="regenerate it with the tool that wrote it, or pass another file",
        )


def _kind(value: Any) -> str:
    """What a parsed value is, in the words of the file formats."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "text"}
    names |= {list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


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


def expanded_size(document: Any, limit: float = math.inf) -> float:
    """How many values a parsed YAML document holds with its shared parts (aliases)
    counted at each place they appear, infinite when it contains itself; stops counting
    past ``limit``. Shared parts are counted once each, so this takes time in the size of
    the file, not of the expansion: a few nested aliases make billions of values (a
    "billion laughs") for any code that walks the document."""
    sizes: dict[int, float] = {}
    open_: set[int] = set()
    stack: list[tuple[Any, bool]] = [(document, False)]
    while stack:  # depth-first, without recursion: a document may nest deeply
        node, done = stack.pop()
        if not isinstance(node, dict | list):
            continue
        key = id(node)
        children = list(node.values()) if isinstance(node, dict) else node
        if done:
            open_.discard(key)
            sizes[key] = 1 + sum(
                sizes.get(id(c), 1.0) if isinstance(c, dict | list) else 1 for c in children
            )
            if sizes[key] > limit:
                return sizes[key]
            continue
        if key in open_:
            return math.inf  # the document contains itself
        if key in sizes:
            continue
        open_.add(key)
        stack.append((node, True))
        stack += [(c, False) for c in children if isinstance(c, dict | list)]
    return sizes.get(id(document), 1.0)


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
