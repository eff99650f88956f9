"""Ruff's JSON output and mypy's text output, when a project keeps them."""

from __future__ import annotations

import re
from pathlib import Path

from assay.collectors._files import read_input, relative_path
from assay.core.results import LintFinding

__all__ = ["LINTER_FILES", "read_linter_results", "read_mypy", "read_ruff"]

LINTER_FILES = {
    "ruff": ("ruff.json", "ruff-report.json"),
    "mypy": ("mypy.txt", "mypy-report.txt", "mypy.log"),
}
_MYPY_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d{1,9}):(?:\d+:)? (?P<level>error|warning): (?P<message>.*?)"
    r"(?:  \[(?P<code>[\w-]+)\])?$"
)


def read_ruff(path: Path, root: Path) -> tuple[LintFinding, ...]:
    """``ruff check --output-format json`` output."""
    file = read_input(path)
    data = file.json()
    if not isinstance(data, list):
        raise file.corrupt("expected the JSON list that ruff --output-format json writes")
    findings = []
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise file.corrupt(f"entry {index + 1} is not an object")
        try:
            findings.append(
                LintFinding(
                    "ruff",
                    str(entry.get("code") or "syntax"),
                    _relative(str(entry["filename"]), root),
                    int(entry["location"]["row"]),
                    str(entry["message"]),
                )
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise file.corrupt(f"entry {index + 1} is not a ruff finding ({exc})") from None
    return tuple(findings)


def read_mypy(path: Path, root: Path) -> tuple[LintFinding, ...]:
    """mypy's text report (``path:line: error: message  [code]`` lines; notes are skipped)."""
    file = read_input(path)
    findings = []
    for line in file.text.splitlines():
        match = _MYPY_LINE.match(line)
        if match:
            findings.append(
                LintFinding(
                    "mypy",
                    match.group("code") or match.group("level"),
                    _relative(match.group("path"), root),
                    int(match.group("line")),
                    match.group("message"),
                )
            )
    return tuple(findings)


def read_linter_results(root: Path) -> tuple[tuple[LintFinding, ...], tuple[str, ...]]:
    """Every linter report kept at the project's top level, and which files they were."""
    readers = {"ruff": read_ruff, "mypy": read_mypy}
    findings: list[LintFinding] = []
    used: list[str] = []
    for tool, names in LINTER_FILES.items():
        for name in names:
            path = root / name
            if path.is_file():
                findings += readers[tool](path, root)
                used.append(name)
    return tuple(findings), tuple(used)


def _relative(path: str, root: Path) -> str:
    # Linters report paths relative to the folder they ran in: the project itself.
    return relative_path(path, root) if Path(path).is_absolute() else Path(path).as_posix()
