"""Who may do what: roles, the operations of the services, the permission table, and what
each lockdown level freezes. Pure data and functions; the services enforce them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "BUILT_IN_ROLES",
    "LOCKDOWN_FREEZES",
    "PERMISSIONS",
    "Operation",
    "Role",
    "Scope",
    "Target",
    "bearer_token",
    "frozen_by",
    "may",
    "needed_roles",
    "signs_off",
]


class Role(enum.StrEnum):
    DEVELOPER = "developer"
    TECH_LEAD = "tech_lead"
    QA = "qa"
    SECURITY = "security"
    PRODUCT_OWNER = "product_owner"
    ARCHITECT = "architect"
    ADMIN = "admin"
    AUDITOR = "auditor"
    AGENT = "agent"


class Operation(enum.StrEnum):
    CERTIFY = "certify"
    MARK_BASELINE = "baseline.mark"
    IMPORT_VULNERABILITIES = "vulndb.import"
    CREATE_RELEASE = "release.create"
    UPDATE_RELEASE = "release.update"
    SIGN_OFF = "signoff"
    ISSUE_CERTIFICATE = "certificate.issue"
    REVOKE_CERTIFICATE = "certificate.revoke"
    READ_AUDIT = "audit.read"
    ADD_PRINCIPAL = "principal.add"
    SUSPEND_PRINCIPAL = "principal.suspend"
    ISSUE_TOKEN = "token.issue"
    REVOKE_TOKEN = "token.revoke"
    START_LOCKDOWN = "lockdown.start"
    LIFT_LOCKDOWN = "lockdown.lift"
    OPEN_INCIDENT = "incident.open"
    UPDATE_INCIDENT = "incident.update"
    CREATE_HANDOFF = "handoff.create"
    WORK_HANDOFF = "handoff.work"
    """Accept, decline, start and submit a hand-off assigned to the actor."""
    REVIEW_HANDOFF = "handoff.review"
    APPLY_RETENTION = "retention.apply"
    """Purge evidence whose retention has run out (tombstones stay)."""
    LEGAL_HOLD = "hold.manage"
    """Place and release legal holds."""


R = Role
_SIGNERS = frozenset({R.DEVELOPER, R.TECH_LEAD, R.QA, R.SECURITY, R.PRODUCT_OWNER, R.ARCHITECT})
_ADMIN = frozenset({R.ADMIN})
PERMISSIONS: dict[Operation, frozenset[Role]] = {
    Operation.CERTIFY: frozenset({R.DEVELOPER, R.TECH_LEAD, R.QA, R.ADMIN, R.AGENT}),
    Operation.MARK_BASELINE: frozenset({R.DEVELOPER, R.TECH_LEAD, R.ADMIN}),
    Operation.IMPORT_VULNERABILITIES: frozenset({R.SECURITY, R.ADMIN, R.AGENT}),
    Operation.CREATE_RELEASE: frozenset({R.TECH_LEAD, R.PRODUCT_OWNER, R.ADMIN}),
    Operation.UPDATE_RELEASE: frozenset({R.TECH_LEAD, R.PRODUCT_OWNER, R.ADMIN}),
    Operation.SIGN_OFF: _SIGNERS,
    Operation.ISSUE_CERTIFICATE: frozenset({R.TECH_LEAD, R.PRODUCT_OWNER, R.ADMIN}),
    Operation.REVOKE_CERTIFICATE: frozenset({R.SECURITY, R.ADMIN}),
    Operation.READ_AUDIT: frozenset({R.AUDITOR, R.SECURITY, R.ADMIN}),
    Operation.ADD_PRINCIPAL: _ADMIN,
    Operation.SUSPEND_PRINCIPAL: frozenset({R.ADMIN, R.SECURITY}),
    Operation.ISSUE_TOKEN: _ADMIN,
    Operation.REVOKE_TOKEN: frozenset({R.ADMIN, R.SECURITY}),
    Operation.START_LOCKDOWN: frozenset({R.ADMIN, R.SECURITY}),
    Operation.LIFT_LOCKDOWN: frozenset({R.ADMIN, R.SECURITY}),
    Operation.OPEN_INCIDENT: _SIGNERS | {R.ADMIN, R.AUDITOR},
    Operation.UPDATE_INCIDENT: frozenset({R.ADMIN, R.SECURITY}),
    Operation.CREATE_HANDOFF: _SIGNERS | {R.ADMIN, R.AGENT},
    Operation.WORK_HANDOFF: _SIGNERS | {R.ADMIN, R.AGENT},
    Operation.REVIEW_HANDOFF: _SIGNERS | {R.ADMIN, R.AGENT},
    Operation.APPLY_RETENTION: _ADMIN,
    Operation.LEGAL_HOLD: frozenset({R.ADMIN, R.SECURITY, R.AUDITOR}),
}
"""Every operation of the services and the roles that may perform it."""


class Scope(enum.StrEnum):
    GLOBAL = "global"
    PROJECT = "project"
    RELEASE = "release"


_LEVEL_ONE = frozenset({Operation.CERTIFY, Operation.SIGN_OFF, Operation.ISSUE_CERTIFICATE})
LOCKDOWN_FREEZES: dict[int, frozenset[Operation]] = {
    1: _LEVEL_ONE,
    2: _LEVEL_ONE,
    3: frozenset(Operation) - {Operation.LIFT_LOCKDOWN, Operation.READ_AUDIT, Operation.LEGAL_HOLD},
}
"""Level 1 freezes new evidence, sign-offs and certificates in its scope; level 2 also
suspends agents and revokes their tokens (when it starts); level 3 makes everything read-only
but lifting."""


@dataclass(frozen=True)
class Target:
    project: str | None = None
    release: str | None = None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header (RFC 6750; the scheme's
    case does not matter); None without one."""
    if authorization is None or authorization[:7].lower() != "bearer ":
        return None
    return authorization[7:].strip() or None


BUILT_IN_ROLES = frozenset(role.value for role in Role)


def may(roles: Iterable[str], operation: Operation) -> bool:
    """Whether a principal holding ``roles`` may perform ``operation``. A role that is not
    built in is a sign-off role of a project's ``[signoff] roles`` (``legal_counsel``): it
    allows signing off and nothing else."""
    names = set(roles)
    if names & PERMISSIONS[operation]:
        return True
    return operation is Operation.SIGN_OFF and bool(names - BUILT_IN_ROLES)


def signs_off(roles: Iterable[str]) -> bool:
    """Whether a principal holding ``roles`` may sign releases off."""
    return may(roles, Operation.SIGN_OFF)


def needed_roles(operation: Operation) -> list[str]:
    return sorted(role.value for role in PERMISSIONS[operation])


def frozen_by(
    level: int, scope: Scope, value: str | None, operation: Operation, target: Target
) -> bool:
    """Whether a lockdown of ``level`` over ``scope``/``value`` refuses ``operation`` on
    ``target`` (a project name, or ``project@release``)."""
    if operation not in LOCKDOWN_FREEZES[level]:
        return False
    if scope is Scope.GLOBAL:
        return True
    if scope is Scope.PROJECT:
        return target.project == value
    return target.release is not None and f"{target.project}@{target.release}" == value
