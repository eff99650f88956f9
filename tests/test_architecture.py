"""The layers of DESIGN.md: dependencies point inwards, front ends stay apart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "assay"

FORBIDDEN_IN_CORE = {
    "sqlalchemy",
    "alembic",
    "httpx",
    "typer",
    "rich",
    "fastapi",
    "mcp",
    "subprocess",
    "socket",
    "os",
    "shutil",
    "pathlib",
    "tempfile",
    "sqlite3",
    "psycopg",
    "assay.collectors",
    "assay.feeds",
    "assay.formats",
    "assay.store",
    "assay.services",
    "assay.cli",
    "assay.api",
    "assay.web",
    "assay.mcp",
    "assay.signing",
    "assay.settings",
}
FRONT_ENDS = ("cli", "api", "web", "mcp")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _violations(path: Path, forbidden: set[str]) -> list[str]:
    return sorted(
        name
        for name in _imports(path)
        if any(name == bad or name.startswith(bad + ".") for bad in forbidden)
    )


@pytest.mark.parametrize("module", sorted((SRC / "core").rglob("*.py")), ids=lambda p: p.name)
def test_core_does_no_io_and_imports_no_outer_layer(module: Path) -> None:
    assert _violations(module, FORBIDDEN_IN_CORE) == []


@pytest.mark.parametrize("front", FRONT_ENDS)
def test_front_ends_do_not_import_each_other(front: Path) -> None:
    others = {f"assay.{name}" for name in FRONT_ENDS if name != front}
    folder = SRC / str(front)
    bad = {str(p.relative_to(SRC)): _violations(p, others) for p in folder.rglob("*.py")}
    assert {k: v for k, v in bad.items() if v} == {}


def test_services_and_lower_layers_do_not_import_front_ends() -> None:
    fronts = {f"assay.{name}" for name in FRONT_ENDS}
    lower = [
        p
        for layer in ("core", "collectors", "formats", "store", "services")
        for p in (SRC / layer).rglob("*.py")
    ]
    bad = {str(p.relative_to(SRC)): _violations(p, fronts) for p in lower}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_layer_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import subprocess\nfrom assay.store.models import Base\n", encoding="utf-8")
    assert _violations(sample, FORBIDDEN_IN_CORE) == ["assay.store.models", "subprocess"]
