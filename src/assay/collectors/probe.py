"""Find the interpreter to inventory and run the metadata probe in it, in the background.

This module imports only the standard library, so a front end can start the probe first
and load the rest of Assay while the other interpreter reads its metadata.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from assay.errors import InventoryError

__all__ = ["ProbeRun", "find_interpreter"]

_PROBE_TIMEOUT_S = 120


def find_interpreter(python: str | Path | None, project: Path | None) -> Path:
    """The interpreter to inventory.

    ``python`` may be an executable or a virtual environment folder. Without it: the
    project's ``.venv`` when there is one, else the interpreter running Assay.
    """
    if python is not None:
        candidate = Path(python).expanduser()
        if candidate.is_dir():
            for inner in (candidate / "bin" / "python", candidate / "Scripts" / "python.exe"):
                if inner.exists():
                    return inner
            raise InventoryError(
                f"{candidate} is a folder with no Python interpreter in bin/ or Scripts/",
                hint="pass --python the path of a python executable or of a virtual "
                "environment folder",
            )
        if not candidate.exists():
            raise InventoryError(
                f"no interpreter at {candidate}",
                hint="pass --python the path of a python executable, for example .venv/bin/python",
            )
        return candidate
    if project is not None:
        for inner in (project / ".venv" / "bin" / "python", project / "venv" / "bin" / "python"):
            if inner.exists():
                return inner
    return Path(sys.executable)


class ProbeRun:
    """The probe running in another interpreter; :meth:`result` waits for its answer."""

    def __init__(self, interpreter: Path) -> None:
        self.interpreter = interpreter
        probe = resources.files("assay.collectors").joinpath("_probe.py").read_text("utf-8")
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                [str(interpreter), "-c", probe],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"},
            )
        except OSError:
            self._process = None

    def result(self) -> dict[str, Any]:
        """The probe's JSON answer, or an InventoryError saying why there is none."""
        not_python = InventoryError(
            f"{self.interpreter} is not a Python interpreter Assay can use",
            hint="pass --python the path of a python (3.8 or newer) executable or virtual "
            "environment folder",
        )
        if self._process is None:
            raise not_python
        try:
            stdout, _ = self._process.communicate(timeout=_PROBE_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            self.close()
            raise InventoryError(
                f"{self.interpreter} did not answer within {_PROBE_TIMEOUT_S} s",
                hint="check that the interpreter starts on its own: run it with -c pass",
            ) from exc
        if self._process.returncode != 0:
            raise not_python
        try:
            data = json.loads(stdout)
        except ValueError as exc:
            raise not_python from exc
        if not isinstance(data, dict):
            raise not_python
        return data

    def close(self) -> None:
        """Stop the probe if it is still running (its answer is no longer wanted)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
