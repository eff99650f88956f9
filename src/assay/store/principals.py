"""The principal aggregate (principals and their API tokens) and the active lockdowns
every permission check reads, in the caller's transaction or connection."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session, joinedload

from assay.store.models import LockdownRow, PrincipalRow, TokenRow

__all__ = [
    "active_lockdowns",
    "any_principal",
    "identity_of_name",
    "identity_of_token",
    "principal",
    "principals",
    "restore_agents",
    "suspend_agents",
    "tokens",
]

_PRINCIPAL = (PrincipalRow.name, PrincipalRow.kind, PrincipalRow.roles, PrincipalRow.status)
# Built once: SQLAlchemy memoizes a statement's cache key, so a prebuilt statement with
# bound parameters costs far less per execution than one built per call.
_BY_TOKEN = (
    select(TokenRow.revoked_at, TokenRow.expires_at, TokenRow.scopes, TokenRow.pending, *_PRINCIPAL)
    .join(PrincipalRow, TokenRow.principal_id == PrincipalRow.id)
    .where(TokenRow.token_sha256 == bindparam("sha256"))
)
_BY_NAME = select(*_PRINCIPAL).where(PrincipalRow.name == bindparam("name"))
_ANY_PRINCIPAL = select(PrincipalRow.id).limit(1)
_ACTIVE_LOCKDOWNS = (
    select(LockdownRow.__table__)
    .where(LockdownRow.lifted_at.is_(None))
    .order_by(LockdownRow.level.desc())
)


def identity_of_token(connection: Connection, sha256: str) -> Any:
    """The token's state and its principal (name, kind, roles, status), by the token's
    SHA-256; plain queries on a connection, not the ORM: every request makes them."""
    return connection.execute(_BY_TOKEN, {"sha256": sha256}).first()


def identity_of_name(connection: Connection, name: str) -> Any:
    return connection.execute(_BY_NAME, {"name": name}).first()


def any_principal(connection: Connection) -> bool:
    return connection.execute(_ANY_PRINCIPAL).first() is not None


def active_lockdowns(connection: Connection) -> list[Row[Any]]:
    """Lockdowns in force, highest level first."""
    return list(connection.execute(_ACTIVE_LOCKDOWNS))


def principal(session: Session, name: str) -> PrincipalRow | None:
    return session.scalar(select(PrincipalRow).where(PrincipalRow.name == name))


def principals(session: Session) -> list[PrincipalRow]:
    return list(session.scalars(select(PrincipalRow).order_by(PrincipalRow.name)))


def tokens(session: Session) -> list[TokenRow]:
    """Every token, oldest first, with its principal loaded in the same round trip."""
    query = select(TokenRow).options(joinedload(TokenRow.principal))
    return list(session.scalars(query.order_by(TokenRow.created_at)))


def suspend_agents(session: Session, now: datetime) -> list[dict[str, str]]:
    """Suspend every active agent and revoke its tokens: what a level 2 lockdown does.
    Returns what was changed, so lifting can restore it."""
    changed = []
    for agent in session.scalars(select(PrincipalRow).where(PrincipalRow.kind == "agent")):
        changed.append({"name": agent.name, "status": agent.status})
        agent.status = "suspended"
        for token in session.scalars(select(TokenRow).where(TokenRow.principal_id == agent.id)):
            token.revoked_at = token.revoked_at or now
    return changed


def restore_agents(session: Session, suspended: str) -> None:
    for entry in json.loads(suspended or "[]"):
        agent = principal(session, entry["name"])
        if agent is not None and agent.status == "suspended":
            agent.status = entry["status"]
