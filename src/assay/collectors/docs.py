"""What a project documents: README, docs folder, changelog, docstrings, OpenAPI document."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assay.collectors._files import expanded_size, python_sources
from assay.core.docs import DocstringCount, count_docstrings

__all__ = ["DocsReport", "inspect_docs"]

_HTTP = re.compile(
    r"^\s*(?:from|import)\s+(fastapi|flask|django|starlette|aiohttp|litestar)\b", re.MULTILINE
)
_OPENAPI_NAMES = ("openapi.json", "openapi.yaml", "openapi.yml", "swagger.json", "swagger.yaml")


@dataclass(frozen=True)
class DocsReport:
    readme: str | None
    readme_words: int
    readme_sections: tuple[str, ...]
    docs_files: int
    changelog: str | None
    modules: int
    documented: int
    public_objects: int
    undocumented: tuple[str, ...]
    serves_http: bool
    http_frameworks: tuple[str, ...]
    openapi: str | None
    openapi_version: str | None
    openapi_errors: tuple[str, ...] = field(default=())

    @property
    def docstring_coverage(self) -> float | None:
        return self.documented / self.public_objects if self.public_objects else None


def inspect_docs(root: Path) -> DocsReport:
    """Documentation facts of the project at ``root``."""
    readme = _first(root, ("README.md", "README.rst", "README.txt", "README"))
    text = readme.read_text(encoding="utf-8", errors="replace") if readme else ""
    sections = tuple(
        m.group(1).strip()
        for m in re.finditer(r"^(?:#{1,3}\s+(.+)|(.+)\n[=-]{3,}\s*)$", text, re.MULTILINE)
        if m.group(1)
    )
    docs = root / "docs"
    docs_files = (
        sum(1 for p in docs.rglob("*") if p.suffix in (".md", ".rst", ".txt", ".adoc"))
        if docs.is_dir()
        else 0
    )
    changelog = (
        next(
            (
                p
                for p in sorted(root.iterdir())
                if re.match(r"(?i)^(changelog|changes|history|news)\b", p.name) and p.is_file()
            ),
            None,
        )
        if root.is_dir()
        else None
    )
    counts: list[DocstringCount] = []
    frameworks: set[str] = set()
    for path in python_sources(root):
        source = path.read_text(encoding="utf-8", errors="replace")
        frameworks |= set(_HTTP.findall(source))
        try:
            tree = ast.parse(source, filename=str(path))
        except (SyntaxError, ValueError, MemoryError, RecursionError):  # the last two: nesting
            continue
        counts.append(count_docstrings(tree, path.relative_to(root).as_posix()))
    openapi = _first_anywhere(root, _OPENAPI_NAMES)
    version, errors = _validate_openapi(openapi) if openapi else (None, ())
    return DocsReport(
        readme=readme.name if readme else None,
        readme_words=len(text.split()),
        readme_sections=sections,
        docs_files=docs_files,
        changelog=changelog.name if changelog else None,
        modules=len(counts),
        documented=sum(c.documented for c in counts),
        public_objects=sum(c.total for c in counts),
        undocumented=tuple(f"{c.path}:{name}" for c in counts for name in c.missing)[:200],
        serves_http=bool(frameworks),
        http_frameworks=tuple(sorted(frameworks)),
        openapi=openapi.relative_to(root).as_posix() if openapi else None,
        openapi_version=version,
        openapi_errors=errors,
    )


def _validate_openapi(path: Path) -> tuple[str | None, tuple[str, ...]]:
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        spec: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        return None, (f"not valid {path.suffix[1:].upper()}: {_first_line(exc)}",)
    except RecursionError:
        return None, (f"not valid {path.suffix[1:].upper()}: nested too deeply",)
    if not isinstance(spec, dict):
        return None, ("the document is not an object",)
    if expanded_size(spec, _MAX_NODES) > _MAX_NODES:
        return None, (
            f"YAML aliases expand the document to more than {_MAX_NODES:,} values, or "
            "make it contain itself; write it out, or use $ref",
        )
    version = str(spec.get("openapi") or spec.get("swagger") or "")[:40] or None
    try:
        validate(spec)
    except OpenAPIValidationError as exc:
        return version, (_first_line(exc),)
    except ValueError as exc:  # an unknown OpenAPI version, for example
        return version, (_first_line(exc),)
    except Exception as exc:
        # The validator follows $refs and detects versions with code that fails in many
        # ways on a broken document (an unknown version, a $ref to nowhere, a version
        # that is not text, a reference cycle): each is a finding about the document.
        return version, (f"cannot be validated: {type(exc).__name__}: {_first_line(exc)}",)
    return version, ()


_MAX_NODES = 1_000_000
"""Values an OpenAPI document may hold once its YAML aliases are expanded: a large API's
document holds tens of thousands; a few nested aliases make billions (a "billion laughs")."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _first(root: Path, names: tuple[str, ...]) -> Path | None:
    return next((root / n for n in names if (root / n).is_file()), None)


def _first_anywhere(root: Path, names: tuple[str, ...]) -> Path | None:
    for folder in (root, root / "docs", root / "api", root / "openapi"):
        found = _first(folder, names) if folder.is_dir() else None
        if found:
            return found
    return None
