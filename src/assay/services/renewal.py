"""Renewing a readiness certificate once it is due for review: the release is judged again
now, exactly as for an issue, and a successor naming its predecessor is signed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from assay.collectors.pyproject import project_label
from assay.core.access import Operation, Target
from assay.errors import UsageError
from assay.services.access import authorize
from assay.services.certificates import (
    IssuedCertificate,
    newest_unrevoked,
    refuse_unless_ready,
    sign_certificate,
)
from assay.services.context import Context
from assay.services.releases import release_status
from assay.services.signing import Passphrase

__all__ = ["renew_certificate"]


def renew_certificate(
    ctx: Context,
    project: Path | str,
    release: str,
    *,
    now: datetime,
    actor: str = "unknown",
    ask: Passphrase | None = None,
    output: Path | None = None,
) -> IssuedCertificate:
    """Re-judge the release now, as an issue does (gates on its run's sealed evidence, the
    current policy, the sign-offs still valid: expired ones do not count), and when it is
    ready sign a successor of its newest unrevoked certificate. The successor's predicate
    names the predecessor (``supersedes``: its id and statement digest), its row does too
    (``predecessor_id``), and the audit log records ``certificate.renewed``."""
    target = Target(project_label(project), release)
    authorize(ctx, actor, Operation.ISSUE_CERTIFICATE, target, now)
    status = release_status(ctx, project, release, now)
    with ctx.store(create=False).transaction() as session:
        predecessor = newest_unrevoked(session, status.release.id)
    if predecessor is None:
        raise UsageError(
            f"{release} has no certificate to renew; issue one: assay certificate issue {release}"
        )
    refuse_unless_ready(status, release)
    return sign_certificate(
        ctx, status, now=now, ask=ask, output=output, actor=actor, predecessor=predecessor
    )
