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


LOWER_LAYERS = ("core", "collectors", "feeds", "formats", "signing", "store")
MAX_LINES = 450


def test_lower_layers_import_no_service_and_no_front_end() -> None:
    above = {"assay.services", *(f"assay.{name}" for name in FRONT_ENDS)}
    lower = [p for layer in LOWER_LAYERS for p in (SRC / layer).rglob("*.py")]
    lower += [SRC / "settings.py", SRC / "errors.py"]
    bad = {str(p.relative_to(SRC)): _violations(p, above) for p in lower}
    assert {k: v for k, v in bad.items() if v} == {}


def _opens_a_store(path: Path) -> list[str]:
    """Calls that open a store: ``Store.open(...)`` or a new ``StoreHandle``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        call = node.func
        if (
            isinstance(call, ast.Attribute)
            and call.attr == "open"
            and isinstance(call.value, ast.Name)
            and call.value.id == "Store"
        ):
            found.append(f"line {node.lineno}: Store.open")
        if isinstance(call, ast.Name) and call.id == "StoreHandle":
            found.append(f"line {node.lineno}: StoreHandle")
    return found


def test_no_service_opens_a_store() -> None:
    # services/context.py makes the handle the front ends open and close (open_context).
    services = [p for p in (SRC / "services").rglob("*.py") if p.name != "context.py"]
    bad = {str(p.relative_to(SRC)): _opens_a_store(p) for p in services}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_store_check_catches_a_service_opening_a_store(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(s):\n    store = Store.open(s.store_url, s.evidence_dir)\n", encoding="utf-8"
    )
    assert _opens_a_store(sample) == ["line 2: Store.open"]


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph(root: Path) -> dict[str, set[str]]:
    """Each module of ``root``'s package and the package modules it imports, wherever the
    import is (a function-level import is still a dependency), except imports made only
    for type checking."""
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(child)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for child in ast.walk(node)
        }
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str | None] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                found.update(known(alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    found.add(known(full) if full in modules else known(base))
        graph[name] = {m for m in found if m and m != name and m in modules}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_module_imports_itself_through_others() -> None:
    assert _cycles(_import_graph(SRC)) == []


def test_the_cycle_check_catches_a_cycle_through_a_function_level_import(
    tmp_path: Path,
) -> None:
    package = tmp_path / "assay"
    (package / "services").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "services" / "__init__.py").write_text("", encoding="utf-8")
    (package / "services" / "a.py").write_text("from assay.services.b import x\n", "utf-8")
    (package / "services" / "b.py").write_text(
        "def x():\n    from assay.services import a\n", encoding="utf-8"
    )
    graph = _import_graph(package)
    assert _cycles(graph) == [["assay.services.a", "assay.services.b"]]


def test_no_module_is_over_the_line_limit() -> None:
    long = {
        str(p.relative_to(SRC)): lines
        for p in SRC.rglob("*.py")
        if (lines := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
