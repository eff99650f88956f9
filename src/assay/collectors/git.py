"""The git state of a project: commit and whether the work tree has changes."""

from __future__ import annotations

import getpass
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GitState", "current_user", "git_state"]


@dataclass(frozen=True)
class GitState:
    commit: str | None
    dirty: bool | None


def git_state(path: Path) -> GitState:
    """HEAD and dirtiness of the repository holding ``path``; unknowns are ``None``."""
    commit = _git(path, "rev-parse", "--verify", "-q", "HEAD")
    if commit is None:
        return GitState(None, None)
    status = _git(path, "status", "--porcelain", "--untracked-files=normal", "--", ".")
    return GitState(commit, None if status is None else bool(status))


def current_user(path: Path) -> str:
    """Who is acting here: ``ASSAY_PRINCIPAL``, else git's user.email, else the login name."""
    named = os.environ.get("ASSAY_PRINCIPAL")
    if named:
        return named
    email = _git(path, "config", "user.email")
    if email:
        return email
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _git(path: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(path), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
