"""The operations a server runs on paths its caller names: certify a folder, scan its
dependencies, check a report's claims.

A server (``assay serve``, ``assay mcp``) serves the project roots it was started with and
nothing else on its machine. ``confine`` resolves a caller's path against those roots
(``..`` and symbolic links resolved) and refuses one that lands outside them, or in
Assay's own state folder, before anything is read: the refusal is decided on the path
alone, so it reads the same whether the target exists or not (no probing), and it is
recorded in the audit log as ``operation.refused``, as ``authorize`` records its own.
Every operation here then checks the caller's permission and leaves an audit entry.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.collectors.pyproject import project_name
from assay.core.access import Operation, Target
from assay.errors import NotFoundError, Refused
from assay.services.access import Refusal, authorize, record_refusal
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.claims import check_claims, claims_document, measurements_for
from assay.services.context import Context

if TYPE_CHECKING:  # certify and scan import every step and feed: only when used
    from assay.services.certify import CertifyResult, Progress
    from assay.services.scan import ScanOutcome

__all__ = [
    "ClaimsAnswer",
    "OutsideProject",
    "certify_path",
    "confine",
    "scan_path",
    "served_roots",
    "verify_report",
]


class OutsideProject(Refused):
    """A path a caller named that resolves outside the project roots the server serves
    (or into Assay's state folder). The REST API answers it with 403."""


def served_roots(ctx: Context, roots: Sequence[Path] | None = None) -> tuple[Path, ...]:
    """The project roots a server serves: ``roots`` when given, else the settings'
    project folder."""
    return tuple(roots) if roots else (ctx.settings.project_dir,)


def _inside(path: Path, folder: Path) -> bool:
    return path.is_relative_to(folder.resolve())


def _resolved(given: str, roots: Sequence[Path], state: Path) -> Path | None:
    """``given`` resolved (relative to the first root), when it lies inside a root and
    outside ``state``; else None. Decided on the path alone, never on whether it exists."""
    try:
        path = (roots[0] / given).resolve(strict=False)
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL byte
        return None
    if _inside(path, state) or not any(_inside(path, root) for root in roots):
        return None
    return path


def confine(
    ctx: Context,
    actor: str,
    given: str,
    operation: Operation,
    now: datetime,
    roots: Sequence[Path] | None = None,
) -> Path:
    """The real path of ``given`` inside the served project roots; else OutsideProject,
    recorded in the audit log as a refusal of ``operation`` by ``actor``."""
    path = _resolved(given, served_roots(ctx, roots), ctx.settings.state_dir)
    if path is not None:
        return path
    shown = given if len(given) <= 200 else given[:200] + "..."
    why = f"the path {shown!r} is not inside the project this server serves"
    error = OutsideProject(
        f"refused: {why}",
        hint="name a file or folder of the served project (relative paths start at its root)",
    )
    refusal = Refusal(error, actor, operation, Target(), why, subject=shown)
    try:
        raise record_refusal(ctx, refusal, now)
    except NotFoundError:  # no store yet: nothing to record it in
        raise error from None


def certify_path(
    ctx: Context,
    actor: str,
    given: str,
    now: datetime,
    *,
    roots: Sequence[Path] | None = None,
    progress: Progress | None = None,
) -> CertifyResult:
    """Certify the served project folder ``given`` (certify checks the permission and
    records the run)."""
    from assay.services.certify import certify

    path = confine(ctx, actor, given, Operation.CERTIFY, now, roots)
    return certify(path, ctx, progress=progress, author=actor)


def scan_path(
    ctx: Context,
    actor: str,
    given: str,
    now: datetime,
    *,
    roots: Sequence[Path] | None = None,
) -> ScanOutcome:
    """Match the dependencies of the served project folder ``given`` against the
    vulnerability database; needs the certify permission (it reads a project tree on the
    server, as certify does)."""
    from assay.services.scan import scan

    path = confine(ctx, actor, given, Operation.CERTIFY, now, roots)
    project = project_name(path) if path.is_dir() else path.name
    authorize(ctx, actor, Operation.CERTIFY, Target(project), now)
    outcome = scan(path, ctx, today=now.date())
    result = outcome.result
    payload = {"path": str(path), "status": result.status.value, "findings": len(result.findings)}
    _record(ctx, AuditEvent(actor, "dependencies.scanned", project, payload), now)
    return outcome


@dataclass(frozen=True)
class ClaimsAnswer:
    summary: dict[str, int]
    claims: list[dict[str, Any]]


def verify_report(
    ctx: Context,
    actor: str,
    report: str,
    project: str,
    now: datetime,
    *,
    roots: Sequence[Path] | None = None,
) -> ClaimsAnswer:
    """Judge every claim of the served report ``report`` against the served project
    folder ``project`` (its newest stored run, its tree); needs the certify permission
    (it may run the project's test collection)."""
    root = confine(ctx, actor, project, Operation.CERTIFY, now, roots)
    path = confine(ctx, actor, report, Operation.CERTIFY, now, roots)
    name = project_name(root) if root.is_dir() else root.name
    authorize(ctx, actor, Operation.CERTIFY, Target(name), now)
    check = check_claims([path], measurements_for(root, ctx), root)
    document: dict[str, Any] = json.loads(claims_document(check))
    answer = ClaimsAnswer(check.summary(), document.get("claims", []))
    payload = {"report": str(path), "project": str(root), "summary": answer.summary}
    _record(ctx, AuditEvent(actor, "claims.verified", name, payload), now)
    return answer


def _record(ctx: Context, event: AuditEvent, now: datetime) -> None:
    with ctx.transaction(exclusive=True) as session:
        audit_log(ctx.settings).record(session, [event], now)
