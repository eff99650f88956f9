"""Who acts (an ``Actor``) and how an operation is refused: the permission, lockdown and
authentication errors, and the ``Refusal`` a check raises before it is audited."""

from __future__ import annotations

from dataclasses import dataclass

from assay.core.access import (
    Operation,
    Target,
)
from assay.errors import AssayError, Refused

__all__ = ["Actor", "LockedDown", "PermissionRefused", "Refusal", "Unauthenticated"]


class PermissionRefused(Refused):
    """The actor's roles do not allow the operation."""


class LockedDown(Refused):
    """A lockdown freezes the operation in its scope."""

    def __init__(self, message: str, *, incident: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.incident = incident


class Unauthenticated(Refused):
    """No credential, or one that is unknown, expired or revoked."""


@dataclass(frozen=True)
class Actor:
    name: str
    roles: frozenset[str]
    """Built-in roles (``Role`` values) and custom sign-off roles."""
    kind: str
    """person, agent, or local (no principals registered yet)."""


class Refusal(Exception):
    """A refusal ``check`` made: the error to raise, once the refusal is recorded in the
    audit log (by ``record_refusal``, after the transaction it was decided in ends)."""

    def __init__(
        self,
        error: AssayError,
        actor: str,
        operation: Operation,
        target: Target,
        why: str,
        *,
        subject: str | None = None,
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.actor = actor
        self.operation = operation
        self.target = target
        self.why = why
        self.subject = subject
        """The audit entry's subject, when not the target (a refused path names the path)."""
