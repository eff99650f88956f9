"""The MCP tools: thin adapters over the services the CLI and REST API use, each acting
as the calling principal (see ``state.caller``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import anyio.from_thread
from mcp.server.mcpserver import Context
from mcp.types import ToolAnnotations

from assay.core.access import Scope
from assay.core.handoff import Action
from assay.core.signoff import Decision
from assay.formats import registry
from assay.mcp.state import caller, now, plain_handoff, run, state_of
from assay.services.audit import audit_entries
from assay.services.gates import judge_stored_run
from assay.services.handoffs import (
    HandoffSpec,
    Submission,
    create_handoff,
    list_handoffs,
    transition,
)
from assay.services.lockdown import open_incident, start_lockdown
from assay.services.releases import release_status, sign_off
from assay.services.served import certify_path, scan_path, verify_report
from assay.services.verify import verify_posted

__all__ = ["TOOLS"]

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)
CHANGE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False)

TOOLS: list[tuple[Callable[..., Any], dict[str, Any]]] = []
"""Every tool with its registration options, in the order the server lists them."""


def _document(result: object) -> dict[str, Any]:
    """The result as the JSON document the command line's ``-f json`` writes."""
    document: dict[str, Any] = json.loads(registry.render(result, "json"))
    return document


def tool(**options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        TOOLS.append((function, options))
        return function

    return register


@tool(annotations=CHANGE)
async def certify_project(path: str, ctx: Context) -> dict[str, Any]:
    """Certify the project folder at ``path`` (inside the project the server serves;
    relative paths start at its root): collect its evidence, judge the gates, store the
    run. Progress is reported step by step."""
    who = caller(ctx)
    steps: list[str] = []

    class Progress:
        def step_started(self, name: str, title: str) -> None:
            steps.append(name)
            anyio.from_thread.run(ctx.report_progress, len(steps) - 1, None, title)

        def step_finished(self, name: str, title: str, seconds: float) -> None:
            anyio.from_thread.run(ctx.report_progress, len(steps), None, f"{title} done")

    def work() -> dict[str, Any]:
        result = certify_path(
            who.ctx, who.name, path, now(), roots=state_of(ctx).roots, progress=Progress()
        )
        report = result.report
        return {
            "run_id": report.run_id,
            "project": report.project,
            "verdict": report.verdict.value,
            "gates": {g.gate.id: g.status.value for g in report.gates},
            "failing": [
                f"{g.gate.id} ({g.gate.title}): {g.explanation}"
                for g in report.gates
                if g.status.value not in ("pass", "waived")
            ],
        }

    outcome = await anyio.to_thread.run_sync(lambda: run(work))
    await ctx.notify_resources_changed()  # a new run: assay://runs has changed
    return outcome


@tool(annotations=READ)
def scan_dependencies(path: str, ctx: Context) -> dict[str, Any]:
    """Match the locked dependencies of the project folder at ``path`` (inside the
    project the server serves) against the vulnerability database."""
    who = caller(ctx)
    outcome = run(lambda: scan_path(who.ctx, who.name, path, now(), roots=state_of(ctx).roots))
    return _document(outcome.result)


@tool(annotations=READ)
def verify_claims(report: str, project: str, ctx: Context) -> dict[str, Any]:
    """Check every number a completion report claims against the project's newest
    stored run: supported, contradicted or unverifiable, with the measured value. The
    report and the project folder must be inside the project the server serves."""
    who = caller(ctx)
    answer = run(
        lambda: verify_report(who.ctx, who.name, report, project, now(), roots=state_of(ctx).roots)
    )
    return {"summary": answer.summary, "claims": answer.claims}


@tool(annotations=READ)
def evaluate_gates(run_id: str, ctx: Context) -> dict[str, Any]:
    """The policy in force judged now against a stored run's evidence."""
    caller(ctx)
    outcome = run(lambda: judge_stored_run(state_of(ctx).base, Path(), now().date(), run_id))
    return _document(outcome)


@tool(name="release_status", annotations=READ)
def get_release_status(project: str, release: str, ctx: Context) -> dict[str, Any]:
    """Gates, role sign-offs and everything still missing before a certificate."""
    caller(ctx)
    status = run(lambda: release_status(state_of(ctx).base, project, release, now()))
    return {
        "ready": status.ready,
        "missing": status.missing,
        "etag": status.release.etag,
        "run_id": status.release.run_id,
    }


@tool(name="sign_off", annotations=CHANGE)
def sign_off_release(
    project: str,
    release: str,
    role: str,
    decision: Literal["approve", "reject"],
    ctx: Context,
) -> dict[str, Any]:
    """Sign off a release for a role the caller's principal holds."""
    who = caller(ctx)
    chosen = Decision.APPROVE if decision == "approve" else Decision.REJECT
    entry = run(
        lambda: sign_off(
            who.ctx,
            project,
            release,
            role=role,
            actor=who.name,
            decision=chosen,
            condition=None,
            due=None,
            now=now(),
        )
    )
    return {"role": entry.role, "signer": entry.signer, "decision": entry.decision.value}


@tool(name="create_handoff", annotations=CHANGE)
def create_handoff_tool(
    title: str,
    ctx: Context,
    assignee: str | None = None,
    assignee_role: str | None = None,
    summary: str = "",
    criteria: list[dict[str, Any]] | None = None,
    evidence: list[str] | None = None,
    open_items: list[str] | None = None,
    project: str | None = None,
    reviewers: list[str] | None = None,
) -> dict[str, Any]:
    """Hand work to a principal or a role, with acceptance criteria (at least one) as
    checks over the evidence of the project (required): tests_pass,
    coverage_at_least (value), no_contradicted_claims, gate_passes (gate). The offerer
    reviews the submission, or one of the principals named in reviewers."""
    who = caller(ctx)
    spec = HandoffSpec(
        title=title,
        summary=summary,
        assignee=assignee,
        assignee_role=assignee_role,
        project=project,
        context={"evidence": evidence or [], "open_items": open_items or []},
        criteria=criteria or [],
        reviewers=tuple(reviewers or ()),
    )
    return plain_handoff(run(lambda: create_handoff(who.ctx, who.name, spec, now())))


def _move(
    ctx: Context, ident: str, action: Action, note: str = "", **submitted: Any
) -> dict[str, Any]:
    who = caller(ctx)
    submission = Submission(**submitted) if submitted else None
    return plain_handoff(
        run(
            lambda: transition(
                who.ctx, who.name, ident, action, now(), submission=submission, note=note
            )
        )
    )


@tool(annotations=CHANGE)
def accept_handoff(handoff_id: str, ctx: Context) -> dict[str, Any]:
    """Accept a hand-off offered to you (or to a role you hold), and start it."""
    _move(ctx, handoff_id, Action.ACCEPT)
    return _move(ctx, handoff_id, Action.START)


@tool(annotations=CHANGE)
def submit_handoff(
    handoff_id: str, ctx: Context, run_id: str | None = None, evidence: list[str] | None = None
) -> dict[str, Any]:
    """Submit evidence (a run and/or evidence digests); the acceptance checks run on it
    and every result is in the answer."""
    return _move(ctx, handoff_id, Action.SUBMIT, run=run_id, evidence=tuple(evidence or ()))


@tool(annotations=CHANGE)
def review_handoff(
    handoff_id: str,
    decision: Literal["approve", "request_changes"],
    ctx: Context,
    note: str = "",
) -> dict[str, Any]:
    """Approve (only when every acceptance check passed; never your own submission) or
    request changes."""
    action = Action.APPROVE if decision == "approve" else Action.REQUEST_CHANGES
    return _move(ctx, handoff_id, action, note)


@tool(annotations=READ)
def list_my_handoffs(ctx: Context, state: str | None = None) -> dict[str, Any]:
    """Hand-offs assigned to you or to your roles, oldest first."""
    who = caller(ctx)
    found, _ = run(
        lambda: list_handoffs(state_of(ctx).base, now(), state=state, assignee=who.name, limit=200)
    )
    return {"handoffs": [plain_handoff(v) for v in found]}


@tool(name="open_incident", annotations=CHANGE)
def open_incident_tool(
    title: str, severity: Literal["low", "medium", "high", "critical"], ctx: Context
) -> dict[str, str]:
    """Open an incident (its id is INC-YYYYMMDD-NNN)."""
    who = caller(ctx)
    ident = run(
        lambda: open_incident(
            who.ctx, who.name, type="agent", severity=severity, title=title, now=now()
        )
    )
    return {"incident": ident}


@tool(name="start_lockdown", annotations=DESTRUCTIVE)
def start_lockdown_tool(
    level: int,
    reason: str,
    ctx: Context,
    scope: Literal["global", "project", "release"] = "global",
    target: str | None = None,
) -> dict[str, Any]:
    """Freeze work: level 1 stops new evidence, sign-offs and certificates; 2 also
    suspends agents and revokes their tokens; 3 makes everything read-only."""
    who = caller(ctx)
    info = run(
        lambda: start_lockdown(
            who.ctx,
            who.name,
            level=level,
            scope=Scope(scope),
            target=target,
            reason=reason,
            now=now(),
        )
    )
    return {"lockdown": info.id, "incident": info.incident, "suspended": info.suspended}


@tool(annotations=READ)
def verify_certificate(envelope: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Verify a signed certificate (a DSSE envelope) with the server's trusted keys
    and its revocations."""
    caller(ctx)
    outcome = run(lambda: verify_posted(state_of(ctx).base, envelope, now()))
    if outcome.verified is None:
        assert outcome.failure is not None
        return {"valid": False, "reason": str(outcome.failure.reason)}
    return {"valid": True, "kind": outcome.verified.kind}


@tool(annotations=READ)
def search_audit_log(
    ctx: Context,
    action: str | None = None,
    actor: str | None = None,
    subject: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """Entries of the tamper-evident audit log, by action prefix, actor and subject."""
    who = caller(ctx)
    entries, _ = run(
        lambda: audit_entries(
            who.ctx,
            who.name,
            limit=min(max(limit, 1), 1000),
            action=action,
            who=actor,
            subject=subject,
        )
    )
    return {"entries": entries}


@tool(name="compliance_status", annotations=READ)
def compliance_status_tool(
    project: str,
    ctx: Context,
    framework: list[str] | None = None,
    release: str | None = None,
) -> dict[str, Any]:
    """Each control of SSDF, ISO 27001, SOC 2 or SP 800-53 as satisfied (with evidence ids
    and digests), partial (what is missing), missing or not applicable, for a release or
    the project's newest run."""
    from assay.formats.compliance import status_document
    from assay.services.compliance.status import compliance_status

    who = caller(ctx)
    statuses = run(
        lambda: compliance_status(
            who.ctx, project, release=release, frameworks=framework, now=now(), actor=who.name
        )
    )
    return status_document(statuses)


@tool(name="package_release", annotations=CHANGE)
def package_release(project: str, release: str, ctx: Context) -> dict[str, Any]:
    """Build the release's auditor package (evidence, sign-offs, certificates, compliance
    exports, audit entries with inclusion proofs, signed manifest) into the server's state
    folder; returns its path and SHA-256. Verify it with ``assay verify FILE --key PUB``."""
    import hashlib

    from assay.files import write_atomically
    from assay.services.compliance.package import build_package

    who = caller(ctx)
    built = run(lambda: build_package(who.ctx, project, release, now=now(), actor=who.name))
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in f"{project}-{release}")
    tag = hashlib.sha256(f"{project}\0{release}".encode()).hexdigest()[:8]  # no two collide
    target = who.ctx.settings.state_dir / "packages" / f"{safe}-{tag}.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(target, built.data)
    return {
        "path": str(target),
        "sha256": hashlib.sha256(built.data).hexdigest(),
        "members": built.members,
        "evidence": built.evidence,
        "purged": built.purged,
        "audit_entries": built.audit_entries,
    }
