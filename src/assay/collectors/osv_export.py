"""Read OSV exports: the per-ecosystem zip OSV publishes, or folders of JSON/YAML records."""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assay.errors import InventoryError

__all__ = ["RawRecord", "read_export"]

_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True)
class RawRecord:
    """One file of an export: its name, and its parsed content or why it could not be read."""

    name: str
    data: Any = None
    error: str | None = None


def read_export(path: Path) -> Iterator[RawRecord]:
    """Every record file in ``path`` (a .zip, a folder, or a single .json/.yaml record)."""
    if not path.exists():
        raise InventoryError(
            f"no such file or folder: {path}",
            hint="pass the zip OSV publishes per ecosystem (PyPI/all.zip) or a folder of records",
        )
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _SUFFIXES)
        for file in files:
            yield _parse(str(file.relative_to(path)), file.read_bytes())
        return
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                for info in sorted(archive.infolist(), key=lambda i: i.filename):
                    if not info.is_dir() and info.filename.endswith(_SUFFIXES):
                        yield _parse(info.filename, _member(archive, info, path))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:  # OSError: an offset past the end
            raise InventoryError(
                f"{path} is not a valid zip file: {exc}",
                hint="download the export again; a partial download is not a zip",
            ) from exc
        return
    if path.suffix in _SUFFIXES:
        yield _parse(path.name, path.read_bytes())
        return
    raise InventoryError(
        f"{path.name} is not an OSV export Assay reads",
        hint="pass a .zip of OSV records, a folder of .json/.yaml records, or one record",
    )


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> bytes:
    """One file of the zip; a damaged one makes the whole export unreadable, since what
    else it lacks cannot be known."""
    try:
        return archive.read(info)
    except (zlib.error, NotImplementedError, RuntimeError) as exc:
        # zlib.error: damaged compressed data; NotImplementedError: a compression method
        # zipfile lacks; RuntimeError: an encrypted member.
        raise InventoryError(
            f"{path}: {info.filename} cannot be read from the zip ({exc})",
            hint="download the export again; OSV publishes plain deflated zips",
        ) from exc


class _RecordLoader(yaml.SafeLoader):  # type: ignore[misc]  # PyYAML ships no types
    """YAML without anchors and aliases: OSV records never use them, and a few aliases of
    aliases make a document that expands to billions of values when stored as JSON."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in an OSV record", event.start_mark
            )
        return super().compose_node(parent, index)


def _parse(name: str, data: bytes) -> RawRecord:
    kind = "JSON" if name.endswith(".json") else "YAML"
    try:
        if name.endswith(".json"):
            return RawRecord(name, json.loads(data))
        return RawRecord(name, yaml.load(data, Loader=_RecordLoader))  # a SafeLoader
    except (ValueError, yaml.YAMLError) as exc:  # ValueError: also an integer of 4,300+ digits
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return RawRecord(name, error=f"not valid {kind}: {first}")
    except RecursionError:
        return RawRecord(name, error=f"not valid {kind}: nested too deeply")
