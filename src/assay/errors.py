"""The errors Assay raises, each with advice a user can act on.

AssayError                  root; ``diagnostics()`` gives the multi-line hint
+-- Refused                 the request is sound but the rules forbid it now (exit 1)
|   +-- PreconditionFailed  a change made against a state that has changed since
|   +-- Conflict            a request that clashes with one already made (a reused key)
+-- UsageError              bad input from the user: a path, a flag, a file (exit 2)
|   +-- InventoryError      a lockfile, manifest or environment that cannot be read
|   |   +-- NoDependencySource  a project folder with no lock file, manifest or .venv
|   +-- ConfigError         assay.toml or ASSAY_* settings that are invalid
|   +-- PolicyError         a gate policy that cannot be read
|   +-- SigningError        a key that cannot be made, found or unlocked
|   +-- NotFoundError       a run, release, key or certificate that does not exist
+-- EnvironmentProblem      the machine, not the input: store locked, tool missing (exit 3)
    +-- StoreError          the database or the evidence locker failed
"""

from __future__ import annotations

__all__ = [
    "AssayError",
    "ConfigError",
    "Conflict",
    "EnvironmentProblem",
    "InventoryError",
    "NoDependencySource",
    "NotFoundError",
    "PolicyError",
    "PreconditionFailed",
    "Refused",
    "SigningError",
    "StoreError",
    "UsageError",
]


class AssayError(Exception):
    """Root of every error Assay reports to a user."""

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """Advice for the user, separate from the one-line message."""
        return self.hint or ""


class UsageError(AssayError):
    """The input given to Assay is wrong; the user can fix it."""

    exit_code = 2


class InventoryError(UsageError):
    """A dependency source (lockfile, manifest, environment) cannot be read."""


class NoDependencySource(InventoryError):
    """A project folder holds nothing to inventory: no lock file, manifest or environment.

    ``assay sbom`` stops on it; ``assay certify`` records the inventory as unknown and
    judges the gates it can."""


class ConfigError(UsageError):
    """The configuration (assay.toml, ASSAY_* variables) is invalid."""


class NotFoundError(UsageError):
    """Something the user named (a run, a piece of evidence) does not exist."""


class PolicyError(UsageError):
    """The gate policy in assay.toml cannot be read."""


class SigningError(UsageError):
    """A key cannot be generated, found or unlocked."""


class Refused(AssayError):
    """Sound input that the rules forbid now: a certificate with a failing gate, a
    sign-off that breaks separation of duties. The message says which rule."""

    exit_code = 1


class PreconditionFailed(Refused):
    """The caller acted on a state that has changed since it read it (an ETag mismatch):
    read again and retry, so no update is lost."""


class Conflict(Refused):
    """The request clashes with another: an idempotency key reused for a different
    request, or one whose first request is still running."""


class EnvironmentProblem(AssayError):
    """The machine is the problem, not the input: retrying may help."""

    exit_code = 3


class StoreError(EnvironmentProblem):
    """The store (database or evidence locker) failed."""
