"""The quality use case: Power-of-Ten analysis and theater detection over a source tree.

One parse per file, files analysed in parallel processes, results cached by the SHA-256 of
each file's content in one cache file, so an unchanged tree costs only reading and hashing.
A file's result does not depend on the other files: what does (a stub method of a class that
another file derives from is a hook, not a stub) is settled when the report is assembled.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from assay.collectors.linters import read_linter_results
from assay.core import poweroften, theater
from assay.core.quality import QualityReport
from assay.errors import UsageError

__all__ = ["ANALYSER_VERSION", "QualityReport", "analyse_tree"]

ANALYSER_VERSION = "5"
_SKIP = {
    ".git",
    ".venv",
    "venv",
    ".assay",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    "build",
    "dist",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
}
_CHUNK = 64
_TEST, _SUPPORT, _SHIPPED = "test", "support", "shipped"


def analyse_tree(
    root: Path, *, cache_file: Path | None = None, workers: int | None = None
) -> QualityReport:
    """Analyse every Python file under ``root``: test modules get the test-theater rules,
    shipped code the Power-of-Ten and stub rules, test support (conftest.py, helpers under
    tests/) neither."""
    if not root.is_dir():
        raise UsageError(f"no such project folder: {root}", hint="pass the project's folder")
    files = sorted(_python_files(root))
    cache = _load_cache(cache_file)
    results: dict[str, dict[str, Any]] = {}
    todo: list[tuple[str, str, str]] = []
    digests: dict[str, str] = {}
    for path in files:
        data = path.read_bytes()
        relative = path.relative_to(root).as_posix()
        digest = hashlib.sha256(data).hexdigest()
        digests[relative] = digest
        hit = cache.get(relative)
        if hit and hit.get("digest") == digest:
            results[relative] = hit["result"]
        else:
            todo.append((relative, data.decode("utf-8", errors="replace"), _role(relative)))
    cached = len(results)
    for relative, result in _run(todo, workers):
        results[relative] = result
    if cache_file is not None:
        _save_cache(
            cache_file, {k: {"digest": digests[k], "result": v} for k, v in results.items()}
        )
    report = _report(root, results, cached)
    found, used = read_linter_results(root)
    return replace(
        report,
        linters=tuple(asdict(f) for f in sorted(found, key=lambda f: (f.path, f.line, f.rule))),
        linter_reports=used,
    )


def analyse_source(relative: str, source: str, role: str) -> dict[str, Any]:
    """One file: parse once, run the rules and the theater checks its ``role`` calls for
    (``test``, ``support`` or ``shipped``, see ``_role``); JSON-ready."""
    try:
        tree = ast.parse(source, filename=relative)
    except (SyntaxError, ValueError) as exc:
        return {
            "error": f"{type(exc).__name__}: {getattr(exc, 'msg', exc)} "
            f"(line {getattr(exc, 'lineno', '?')})"
        }
    except (MemoryError, RecursionError):  # the parser's stack overflowed: nested too deeply
        return {"error": "SyntaxError: too deeply nested to parse (line ?)"}
    try:
        return _analyse_tree(tree, source, relative, role)
    except RecursionError:
        return {"error": "RecursionError: too deeply nested to analyse (line ?)"}


def _analyse_tree(tree: ast.Module, source: str, relative: str, role: str) -> dict[str, Any]:
    shipped = role == _SHIPPED
    facts = poweroften.check_module(tree, relative) if shipped else None
    if role == _TEST:
        found = theater.analyse_tests(source, relative, tree)
    else:
        found = theater.analyse_shipped(source, relative, tree) if shipped else []
    return {
        "functions": [asdict(f) for f in facts.functions] if facts else [],
        "violations": [asdict(v) for v in facts.violations] if facts else [],
        "theater": [{**asdict(f), "severity": f.severity.value} for f in found],
        "bases": sorted(theater.base_names(tree)),
    }


def _run(
    todo: list[tuple[str, str, str]], workers: int | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    if len(todo) < 2 * _CHUNK:
        for relative, source, role in todo:
            yield relative, analyse_source(relative, source, role)
        return
    chunks = [todo[i : i + _CHUNK] for i in range(0, len(todo), _CHUNK)]
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for batch in pool.map(_analyse_chunk, chunks):
            yield from batch


def _analyse_chunk(chunk: list[tuple[str, str, str]]) -> list[tuple[str, dict[str, Any]]]:
    return [(relative, analyse_source(relative, source, role)) for relative, source, role in chunk]


def _report(root: Path, results: dict[str, dict[str, Any]], cached: int) -> QualityReport:
    functions = [f for r in results.values() for f in r.get("functions", [])]
    violations = sorted(
        (v for r in results.values() for v in r.get("violations", [])),
        key=lambda v: (v["path"], v["line"], v["rule"]),
    )
    flagged: dict[str, set[tuple[str, str]]] = {}
    for v in violations:
        flagged.setdefault(v["rule"], set()).add((v["path"], v["function"]))
    total = len(functions)
    measured = poweroften.compliance(len(results), total, flagged)
    subclassed = {name for r in results.values() for name in r.get("bases", [])}
    found = sorted(
        (
            t
            for r in results.values()
            for t in r.get("theater", [])
            if not theater.is_hook(t["rule"], t["owner"], subclassed)
        ),
        key=lambda t: (t["path"], t["line"], t["rule"]),
    )
    return QualityReport(
        root=str(root),
        files=len(results),
        functions=total,
        compliance=dict(measured.per_rule),
        overall=measured.overall,
        unmeasured=measured.unmeasured,
        violations=tuple(violations),
        theater=tuple(t for t in found if theater.counted(t["severity"])),
        smoke_tests=tuple(t for t in found if not theater.counted(t["severity"])),
        errors=tuple(
            {"path": path, "error": r["error"]}
            for path, r in sorted(results.items())
            if "error" in r
        ),
        cached=cached,
    )


def _python_files(root: Path) -> Iterator[Path]:
    """Python files of the project: not hidden folders, build output or environments."""
    for folder, names, files in os.walk(root):
        names[:] = sorted(
            n
            for n in names
            if n not in _SKIP
            and not n.startswith(".")
            and not n.endswith(".egg-info")
            and not (Path(folder) / n / "pyvenv.cfg").exists()
        )
        for name in files:
            if name.endswith(".py"):
                yield Path(folder) / name


def _role(relative: str) -> str:
    """``test`` for the modules pytest collects by default (``test_*.py``, ``*_test.py``),
    whose ``test*`` functions are tests; ``support`` for the rest of the test code
    (``conftest.py``, helpers, data and typing examples under ``tests/`` or ``test/``),
    which is neither tests nor shipped code; ``shipped`` for everything else."""
    parts = relative.split("/")
    name = parts[-1]
    if name.startswith("test_") or name.endswith("_test.py"):
        return _TEST
    if name == "conftest.py" or any(p in ("tests", "test") for p in parts[:-1]):
        return _SUPPORT
    return _SHIPPED


def _load_cache(cache_file: Path | None) -> dict[str, Any]:
    if cache_file is None or not cache_file.is_file():
        return {}
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # a damaged cache is only a slower run
    if data.get("version") != ANALYSER_VERSION:
        return {}
    files: dict[str, Any] = data.get("files", {})
    return files


def _save_cache(cache_file: Path, files: dict[str, Any]) -> None:
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": ANALYSER_VERSION, "files": files}), encoding="utf-8")
    tmp.replace(cache_file)
