"""Compliance status of a release (or of a project's newest run): each control of a
framework judged against the run's verified evidence, its gates and its records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from assay.core.compliance import ComplianceStatus, EvidenceRef, Facts, Subject, evaluate
from assay.core.evidence import EvidenceRecord
from assay.services.compliance.catalogs import mappings, pick_frameworks
from assay.services.context import Context
from assay.services.gates import judge_records, load_policy
from assay.services.releases import digest_of, release_status, run_of
from assay.store import repositories as repo
from assay.store.models import CertificateRow

__all__ = ["compliance_status", "release_facts"]


@dataclass(frozen=True)
class _Read:
    subject: Subject
    facts: Facts


def compliance_status(
    ctx: Context,
    project: Path | str,
    *,
    release: str | None = None,
    run: str | None = None,
    frameworks: list[str] | None = None,
    now: datetime,
    actor: str = "local",
    audit_record: str | None = None,
) -> list[ComplianceStatus]:
    """One status per framework (``frameworks``, or ``[compliance] frameworks``).
    ``audit_record`` shows the audit log's record instead of verifying the log now (a
    package names the checkpoint it carries)."""
    chosen = pick_frameworks(ctx.settings, frameworks)
    policy = load_policy(ctx)
    rules = mappings(ctx.settings, [g.spec.id for g in policy.gates])
    read = release_facts(
        ctx, project, release=release, run=run, now=now, actor=actor, audit=audit_record
    )
    at = now.replace(microsecond=0).isoformat()
    return [
        ComplianceStatus(
            catalog,
            read.subject,
            evaluate(catalog, rules.requirements, rules.not_applicable, read.facts),
            at,
        )
        for catalog in chosen
    ]


def release_facts(
    ctx: Context,
    project: Path | str,
    *,
    release: str | None,
    run: str | None,
    now: datetime,
    actor: str,
    audit: str | None = None,
) -> _Read:
    records: dict[str, str | None] = {"audit": audit or _audit_root(ctx, actor)}
    why_not: dict[str, str] = {}
    if release is not None:
        status = release_status(ctx, project, release, now)
        info = status.release
        evidence = _evidence(ctx, info.run_id)
        gates = status.gates
        if all(r.satisfied for r in status.roles):
            signers = sorted({s for r in status.roles for s in r.approved_by})
            records["signoffs"] = f"{len(signers)} signer(s) on {info.evidence_digest[:12]}"
        records["certificate"] = _certificate(ctx, info.id, now)
        subject = Subject(info.project, info.name, info.run_id, info.evidence_digest, info.commit)
    else:
        store = ctx.store(create=False)
        with store.transaction() as session:
            row = run_of(session, project, run)
            evidence = [repo.to_record(e, store.locker) for e in row.evidence]
            subject = Subject(row.project.name, "", row.id, digest_of(row), row.commit)
        gates = judge_records(ctx, evidence, now.date(), subject.run)
        why_not = {
            record: f"no release named: {what} belong to a release (--release NAME)"
            for record, what in (("signoffs", "sign-offs"), ("certificate", "certificates"))
        }
    facts = Facts(
        tuple(EvidenceRef(e.kind, e.id, e.sha256, e.problem) for e in evidence),
        {g.gate.id: g.status.value for g in gates.gates},
        records,
        why_not,
    )
    return _Read(subject, facts)


def _evidence(ctx: Context, run_id: str) -> list[EvidenceRecord]:
    store = ctx.store(create=False)
    with store.transaction() as session:
        row = repo.find_run(session, run_id)
        return [repo.to_record(e, store.locker) for e in row.evidence]


def _certificate(ctx: Context, release_id: str, now: datetime) -> str | None:
    store = ctx.store(create=False)
    with store.transaction() as session:
        row = session.scalar(
            select(CertificateRow)
            .where(
                CertificateRow.release_id == release_id,
                CertificateRow.revoked_at.is_(None),
                CertificateRow.valid_until > now,
                CertificateRow.issued_at <= now,
            )
            .order_by(CertificateRow.issued_at.desc(), CertificateRow.id)
            .limit(1)
        )
        return row.id if row else None


def _audit_root(ctx: Context, actor: str) -> str | None:
    from assay.services.access import PermissionRefused
    from assay.services.audit import verify_log

    try:
        report = verify_log(ctx, actor)
    except PermissionRefused:
        return None  # the caller may not read the audit log: the record is not shown
    return f"root {report.root[:16]} over {report.entries} entries" if report.ok else None
