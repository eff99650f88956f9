"""Running the project's own test command (``[tests] command``) in the project folder."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from assay.errors import UsageError

__all__ = ["collect_tests", "run_test_command"]


def run_test_command(command: list[str], project: Path, timeout: int) -> str:
    """Run ``command`` in ``project``; a sentence for the report with its exit code. The
    results it writes are read afterwards, from the files."""
    try:
        done = subprocess.run(
            command, cwd=project, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise UsageError(
            f"the test command {command[0]!r} was not found",
            hint="check [tests] command in assay.toml (an argument list, run in the project)",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise UsageError(
            f"the test command did not finish within {timeout} s",
            hint="raise [tests] timeout in assay.toml, or speed the suite up",
        ) from exc
    return f"ran {' '.join(command)}: exit code {done.returncode}"


def collect_tests(command: list[str], project: Path) -> int | None:
    """Tests pytest collects, with the interpreter of ``[tests] command`` when it runs
    ``python -m pytest``; None when that cannot be done."""
    if len(command) < 3 or command[1:3] != ["-m", "pytest"]:
        return None
    try:
        done = subprocess.run(
            [command[0], "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode not in (0, 5):
        return None  # collection errors (dependencies missing): the count would be partial
    match = re.search(r"(\d+) tests? collected", done.stdout) or re.search(
        r"collected (\d+) items?", done.stdout
    )
    if match:
        return int(match.group(1))
    return sum(1 for line in done.stdout.splitlines() if "::" in line)
