"""Storing a judged run: the run, its evidence and its audit entries in one transaction.
Shared by ``certify`` (evidence collected from a project folder) and by runs that CI
uploads to the team server."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from assay import __version__
from assay.core.evidence import EvidenceItem, EvidenceRecord, stored_payload
from assay.core.ids import RunId
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.services.gates import GatesOutcome
from assay.store import repositories as repo
from assay.store.models import RunRow

__all__ = ["RunToStore", "record_run"]


@dataclass(frozen=True)
class RunToStore:
    project: str
    root: str | None
    commit: str | None
    dirty: bool | None
    actor: str
    started: datetime
    inputs_digest: str
    evidence: Sequence[EvidenceItem]
    judged: GatesOutcome


def record_run(
    ctx: Context, run: RunToStore, finished: datetime
) -> tuple[RunId, tuple[EvidenceRecord, ...]]:
    store = ctx.store()
    with store.transaction() as session:
        project_row = repo.ensure_project(session, run.project, run.root, run.started)
        row = repo.add_run(
            session,
            RunRow(
                id=repo.new_id(),
                project_id=project_row.id,
                commit=run.commit,
                dirty=run.dirty,
                started_at=run.started,
                finished_at=finished,
                status="completed",
                verdict=run.judged.verdict.value,
                assay_version=__version__,
                inputs_digest=run.inputs_digest,
                author=run.actor,
            ),
        )
        rows = [
            repo.add_evidence(session, row, item, store.locker.put(item.data), finished)
            for item in run.evidence
        ]
        session.flush()
        records = tuple(repo.to_record(r) for r in rows)
        # The entry holds the evidence row's seal (kind, summary, blob digest): audit
        # verify recomputes it from the row, so an edited or deleted row is named.
        events = [
            AuditEvent(
                run.actor,
                "evidence.stored",
                r.sha256,
                stored_payload(r.id, r.run_id, r.kind, r.sha256, r.seal or ""),
            )
            for r in rows
        ]
        events.append(
            AuditEvent(
                run.actor,
                "run.certified",
                row.id,
                {
                    "verdict": run.judged.verdict.value,
                    "inputs_digest": run.inputs_digest,
                    "policy": run.judged.policy_digest,
                    "gates": {g.gate.id: g.status.value for g in run.judged.gates},
                },
            )
        )
        audit_log(ctx.settings).record(session, events, finished)
        # Again under the log's lock: a retention sweep that deleted a blob with these
        # bytes before this transaction could be seen has it back (put skips a blob that
        # is there); one that comes after sees these rows and keeps it.
        for item in run.evidence:
            store.locker.put(item.data)
        return RunId(row.id), records
