"""Principals, API tokens, and the check every service operation makes first.

Until the first principal is added, the local user acts with every role (a fresh install
must be usable); from then on the actor must be an active principal, named or identified by
an API token (``ASSAY_TOKEN``). Lockdowns apply either way. A refusal is recorded in the
audit log in a transaction of its own, so it stays recorded after the refused work is
rolled back.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection, Row

from assay.core.access import (
    BUILT_IN_ROLES,
    Operation,
    Role,
    Scope,
    Target,
    frozen_by,
    may,
    needed_roles,
    signs_off,
)
from assay.core.actors import Actor, LockedDown, PermissionRefused, Refusal, Unauthenticated
from assay.errors import AssayError, NotFoundError, UsageError
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.store import principals as principal_rows
from assay.store import repositories as repo
from assay.store.identities import IdentityCache, SqliteIdentities
from assay.store.models import PrincipalRow, TokenRow

__all__ = [
    "Actor",
    "IssuedToken",
    "LockedDown",
    "PermissionRefused",
    "Refusal",
    "Unauthenticated",
    "add_principal",
    "approve_token",
    "authorize",
    "check",
    "forget_identities",
    "identify",
    "issue_token",
    "list_principals",
    "list_tokens",
    "record_refusal",
    "revoke_token",
    "suspend_principal",
]

TOKEN_PREFIX = "assay_"


@dataclass(frozen=True)
class IssuedToken:
    id: str
    token: str
    """Shown once; only its SHA-256 is stored."""
    principal: str
    expires_at: datetime
    pending: bool = False
    """A sign-off token minted for someone else: it acts once a second admin approves it."""


def authorize(
    ctx: Context,
    actor: str,
    operation: Operation,
    target: Target,
    now: datetime,
    *,
    owner: str | None = None,
) -> Actor:
    """The acting principal, when it may perform ``operation`` on ``target`` now; else
    Refused with the reason, recorded in the audit log. When the acting principal is
    ``owner`` (a principal minting its own token), it needs no role for the operation;
    lockdowns and a token's scopes still apply."""
    try:
        store = ctx.store(create=False)
    except NotFoundError:  # no store yet: no principals and no lockdowns either
        return Actor(actor, frozenset(Role), "local")
    try:
        return store.read(
            lambda connection: check(connection, ctx, actor, operation, target, now, owner=owner)
        )
    except Refusal as refusal:
        raise record_refusal(ctx, refusal, now) from None


def check(
    connection: Connection,
    ctx: Context,
    actor: str,
    operation: Operation,
    target: Target,
    now: datetime,
    *,
    owner: str | None = None,
) -> Actor:
    """``authorize`` on a connection the caller holds (a write that reads its subject in
    its own transaction checks there, without a second connection). Raises Refusal."""
    try:
        who = _resolve(connection, actor, ctx.caller.token, operation, now)
    except PermissionRefused as exc:  # a token's scopes, an unknown or suspended principal
        why = exc.message.removeprefix("refused: ")
        raise Refusal(exc, actor, operation, target, why) from None
    lock = _lockdown(connection, operation, target)
    own = owner is not None and who.kind != "local" and who.name.casefold() == owner.casefold()
    if not own and not may(who.roles, operation):
        why = (
            f"{who.name} ({', '.join(sorted(who.roles)) or 'no roles'}) "
            f"may not {operation.value}: it needs one of {', '.join(needed_roles(operation))}"
        )
        error: AssayError = PermissionRefused(f"refused: {why}", hint="ask an admin for the role")
        raise Refusal(error, who.name, operation, target, why)
    if lock is not None:
        where = lock.target or "everything"
        why = (
            f"{operation.value} is frozen by a level {lock.level} lockdown of {where} "
            f"(incident {lock.incident_id}, since {lock.started_at:%Y-%m-%d %H:%M}): "
            f"{lock.reason}"
        )
        error = LockedDown(
            f"refused: {why}", incident=lock.incident_id, hint="lift it with: assay lockdown lift"
        )
        raise Refusal(error, who.name, operation, target, why)
    return who


def record_refusal(ctx: Context, refusal: Refusal, now: datetime) -> AssayError:
    """Record ``refusal`` in the audit log; returns the error to raise."""
    target = refusal.target
    subject = refusal.subject or (
        f"{target.project}@{target.release}" if target.release else target.project or "-"
    )
    payload = {"operation": refusal.operation, "why": refusal.why}
    event = AuditEvent(refusal.actor, "operation.refused", subject, payload)
    with ctx.transaction(exclusive=True, create=False) as session:
        audit_log(ctx.settings).record(session, [event], now)
    return refusal.error


def identify(ctx: Context, token: str | None, now: datetime) -> Actor:
    """The active principal an API token belongs to; Unauthenticated when there is no
    token or it is unknown, expired or revoked, or its principal is not active."""
    if not token:
        raise Unauthenticated("no API token was given", hint="send Authorization: Bearer TOKEN")
    store = ctx.store(create=False)
    cache = store.identities()
    return store.read(lambda connection: _resolve(connection, "", token, None, now, cache))


def forget_identities(ctx: Context) -> None:
    """After a change to tokens or principals: this process keeps no token row it read
    before (the others hear of it from the database; see ``store.identities``)."""
    store = ctx.store(create=False)
    cache = store.identities()
    if cache is not None:
        cache.forget()


_IDENTIFIED: ContextVar[tuple[str, float, Any] | None] = ContextVar(
    "assay_identified", default=None
)
"""The token row ``identify`` read for the request being served (its hash, when, the
row): the operation's own permission check reuses it instead of reading it again, so a
request is authenticated once. Reused only in the same context and for a second."""


def _resolve(
    connection: Connection,
    name: str,
    token: str | None,
    operation: Operation | None,
    now: datetime,
    cache: IdentityCache | SqliteIdentities | None = None,
) -> Actor:
    """Every request and every operation makes these reads: plain queries on a
    connection, not through the ORM (which took a third of a request's time, measured by
    bench/api.py). A server keeps the token rows it read in ``cache``."""
    row: Any
    if token:
        sha256 = _hash(token)
        seen = _IDENTIFIED.get()
        if operation is not None and seen and seen[0] == sha256 and time.monotonic() - seen[1] < 1:
            row = seen[2]
        else:
            row, generation = cache.get(sha256, connection) if cache else (None, -1)
            if row is None:
                row = principal_rows.identity_of_token(connection, sha256)
                if cache is not None and row is not None:
                    cache.put(sha256, row, generation)
            if operation is None:
                _IDENTIFIED.set((sha256, time.monotonic(), row))
        if row is None or row.revoked_at is not None or row.expires_at <= now or row.pending:
            # One answer for every case: a caller holding a guessed or stolen token learns
            # nothing about it (its owner sees the state in `assay token list`).
            raise Unauthenticated(
                "refused: the API token is not valid (unknown, expired, revoked, or awaiting "
                "a second admin's approval)",
                hint="ask an admin; `assay token list` shows each token's state",
            )
        scopes = set(row.scopes.split(","))
        if operation is not None and "*" not in scopes and operation.value not in scopes:
            raise PermissionRefused(
                f"refused: the token's scopes ({row.scopes}) do not include {operation.value}",
                hint="issue a token with that scope",
            )
    else:
        if not principal_rows.any_principal(connection):
            return Actor(name, frozenset(Role), "local")
        row = principal_rows.identity_of_name(connection, name)
        if row is None:
            raise PermissionRefused(
                f"refused: {name} is not a principal of this store",
                hint="ask an admin: assay principal add NAME --role ROLE, or set ASSAY_TOKEN",
            )
    if row.status != "active":
        refusal = Unauthenticated if token else PermissionRefused
        raise refusal(f"refused: {row.name} is {row.status}")
    return Actor(row.name, frozenset(r for r in row.roles.split(",") if r), row.kind)


def _lockdown(connection: Connection, operation: Operation, target: Target) -> Row[Any] | None:
    for row in principal_rows.active_lockdowns(connection):
        if frozen_by(row.level, Scope(row.scope), row.target, operation, target):
            return row
    return None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_principal(
    ctx: Context, actor: str, name: str, kind: str, roles: list[str], now: datetime
) -> None:
    if kind not in ("person", "agent"):
        raise UsageError(f"unknown kind {kind!r}", hint="person or agent")
    custom = set(ctx.settings.signoff.roles) - BUILT_IN_ROLES
    unknown = sorted(set(roles) - BUILT_IN_ROLES - custom)
    if unknown:
        raise UsageError(
            f"{unknown[0]!r} is not a role: neither built in nor a sign-off role of this project",
            hint=f"roles: {', '.join(sorted(BUILT_IN_ROLES | custom))}; a custom sign-off "
            "role is named in assay.toml's [signoff] roles first",
        )
    parsed = sorted(set(roles))
    if not parsed:
        raise UsageError("a principal needs at least one role", hint="--role qa")
    authorize(ctx, actor, Operation.ADD_PRINCIPAL, Target(), now)
    with ctx.transaction(exclusive=True) as session:
        if principal_rows.principal(session, name):
            raise UsageError(f"principal {name} already exists")
        joined = ",".join(parsed)
        # PostgreSQL runs two such transactions side by side: both may find no row above;
        # the one whose insert is ignored is told so, not failed by the unique constraint.
        added = session.scalar(
            repo.insert_or_ignore(session, PrincipalRow, "name")
            .values(
                id=repo.new_id(),
                name=name,
                kind=kind,
                roles=joined,
                status="active",
                created_at=now,
            )
            .returning(PrincipalRow.id)
        )
        if added is None:
            raise UsageError(f"principal {name} already exists")
        event = AuditEvent(actor, "principal.added", name, {"kind": kind, "roles": joined})
        audit_log(ctx.settings).record(session, [event], now)


def list_principals(ctx: Context) -> list[PrincipalRow]:
    with ctx.transaction() as session:
        rows = principal_rows.principals(session)
        session.expunge_all()
        return rows


def suspend_principal(ctx: Context, actor: str, name: str, now: datetime) -> None:
    authorize(ctx, actor, Operation.SUSPEND_PRINCIPAL, Target(), now)
    _set_status(ctx, actor, name, "suspended", now)


def _set_status(ctx: Context, actor: str, name: str, status: str, now: datetime) -> None:
    with ctx.transaction(exclusive=True) as session:
        row = principal_rows.principal(session, name)
        if row is None:
            raise NotFoundError(f"no principal {name}", hint="list them: assay principal list")
        row.status = status
        event = AuditEvent(actor, f"principal.{status}", name, {})
        audit_log(ctx.settings).record(session, [event], now)
    forget_identities(ctx)


def issue_token(
    ctx: Context,
    actor: str,
    principal: str,
    scopes: list[str],
    days: int,
    now: datetime,
) -> IssuedToken:
    """A new token for ``principal``. An admin issues tokens; a principal may also mint its
    own. A token that can sign off, minted by an admin for someone else, stays pending until
    a second admin approves it (``approve_token``): one admin alone cannot act as the
    signers whose separate approvals a certificate needs."""
    known = {op.value for op in Operation} | {"*"}
    unknown = sorted(set(scopes) - known)
    if unknown or not scopes:
        raise UsageError(
            f"unknown scope {', '.join(unknown) or '(none given)'}",
            hint=f"scopes: * or {', '.join(sorted(op.value for op in Operation))}",
        )
    if days <= 0:
        raise UsageError("a token must live at least a day", hint="--days 30")
    who = authorize(ctx, actor, Operation.ISSUE_TOKEN, Target(), now, owner=principal)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with ctx.transaction(exclusive=True) as session:
        owner = principal_rows.principal(session, principal)
        if owner is None:
            raise NotFoundError(f"no principal {principal}", hint="add it first")
        signs = bool({"*", Operation.SIGN_OFF.value} & set(scopes))
        pending = (
            signs
            and who.name.casefold() != owner.name.casefold()
            and signs_off(r for r in owner.roles.split(",") if r)
        )
        row = TokenRow(
            id=repo.new_id(),
            principal_id=owner.id,
            token_sha256=_hash(token),
            scopes=",".join(sorted(set(scopes))),
            created_at=now,
            expires_at=now + timedelta(days=days),
            issued_by=who.name,
            pending=pending,
        )
        session.add(row)
        payload = {
            "token": row.id,
            "scopes": row.scopes,
            "expires": str(row.expires_at),
            "pending": pending,
        }
        event = AuditEvent(who.name, "token.issued", principal, payload)
        audit_log(ctx.settings).record(session, [event], now)
        return IssuedToken(row.id, token, principal, row.expires_at, pending)


def approve_token(ctx: Context, actor: str, token_id: str, now: datetime) -> str:
    """A second admin's approval of a pending sign-off token; returns its principal. The
    admin who issued the token and the principal it acts as may not approve it."""
    target = Target()
    who = authorize(ctx, actor, Operation.ISSUE_TOKEN, target, now)
    try:
        with ctx.transaction(exclusive=True) as session:
            row = session.get(TokenRow, token_id)
            if row is None:
                raise NotFoundError(f"no token {token_id}", hint="list them: assay token list")
            if not row.pending:
                raise UsageError(f"token {token_id} is not awaiting approval")
            holder = row.principal.name
            if who.name.casefold() in {(row.issued_by or "").casefold(), holder.casefold()}:
                why = (
                    f"{who.name} issued this token or is its principal; a second admin approves it"
                )
                error = PermissionRefused(f"refused: {why}", hint="ask another admin")
                raise Refusal(error, who.name, Operation.ISSUE_TOKEN, target, why, subject=holder)
            row.pending = False
            row.approved_by = who.name
            event = AuditEvent(who.name, "token.approved", holder, {"token": token_id})
            audit_log(ctx.settings).record(session, [event], now)
    except Refusal as refusal:
        raise record_refusal(ctx, refusal, now) from None
    forget_identities(ctx)
    return holder


def list_tokens(ctx: Context, actor: str, now: datetime) -> list[dict[str, object]]:
    """Every token, never its secret; for those who may issue tokens."""
    authorize(ctx, actor, Operation.ISSUE_TOKEN, Target(), now)
    with ctx.transaction() as session:
        return [
            {
                "id": row.id,
                "principal": row.principal.name,
                "scopes": row.scopes,
                "expires_at": row.expires_at.isoformat(),
                "revoked": row.revoked_at is not None,
                "pending": row.pending,
                "issued_by": row.issued_by,
                "approved_by": row.approved_by,
            }
            for row in principal_rows.tokens(session)
        ]


def revoke_token(ctx: Context, actor: str, token_id: str, now: datetime) -> None:
    authorize(ctx, actor, Operation.REVOKE_TOKEN, Target(), now)
    with ctx.transaction(exclusive=True) as session:
        row = session.get(TokenRow, token_id)
        if row is None:
            raise NotFoundError(f"no token {token_id}", hint="list them: assay token list")
        row.revoked_at = row.revoked_at or now
        event = AuditEvent(actor, "token.revoked", row.principal.name, {"token": token_id})
        audit_log(ctx.settings).record(session, [event], now)
    forget_identities(ctx)
