"""Read OSV exports: the per-ecosystem zip OSV publishes, or folders of JSON/YAML records."""

from __future__ import annotations

import json
import zipfile
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
                        yield _parse(info.filename, archive.read(info))
        except zipfile.BadZipFile as exc:
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


def _parse(name: str, data: bytes) -> RawRecord:
    try:
        if name.endswith(".json"):
            return RawRecord(name, json.loads(data))
        return RawRecord(name, yaml.safe_load(data))
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return RawRecord(
            name, error=f"not valid {'JSON' if name.endswith('.json') else 'YAML'}: {first}"
        )
