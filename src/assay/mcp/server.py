"""The MCP server: Assay's evidence, gates, releases, hand-offs and audit log as tools,
resources and prompts for AI agents, on the official MCP Python SDK.

Every tool is a thin adapter over the services the CLI and the REST API use, acting as
the principal of the caller's API token: the ``Authorization: Bearer`` header over
Streamable HTTP (checked again here, after the /mcp route's own check), ``ASSAY_TOKEN``
over stdio. A domain refusal (a permission, a lockdown, a failed acceptance check) comes
back as a tool result flagged as an error, with the reason; protocol misuse stays a
JSON-RPC error. The tools that take a path (``certify_project``, ``scan_dependencies``,
``verify_claims``) work only inside the project roots the server was started with (see
``assay.services.served``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import anyio.from_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.server.mcpserver.prompts.base import UserMessage
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp.types import ToolAnnotations

from assay import __version__
from assay.core.access import Scope, bearer_token
from assay.core.caller import Caller as Principal
from assay.core.handoff import Action
from assay.core.signoff import Decision
from assay.errors import AssayError
from assay.services.access import LockedDown, identify
from assay.services.audit import audit_entries
from assay.services.certificates import get_certificate
from assay.services.context import Context as ServiceContext
from assay.services.gates import judge_stored_run, load_policy
from assay.services.handoffs import (
    HandoffSpec,
    Submission,
    create_handoff,
    get_handoff,
    list_handoffs,
    transition,
)
from assay.services.lockdown import open_incident, start_lockdown
from assay.services.releases import release_status, sign_off
from assay.services.runs import get_run, list_runs, show_evidence
from assay.services.served import certify_path, scan_path, served_roots, verify_report
from assay.services.verify import verify_posted

__all__ = ["build_server"]

T = TypeVar("T")

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)
CHANGE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=False)


@dataclass(frozen=True)
class Caller:
    name: str
    ctx: ServiceContext


def _now() -> datetime:
    return datetime.now(UTC)


def build_server(
    base: ServiceContext,
    bus: InMemorySubscriptionBus | None = None,
    roots: Sequence[Path] | None = None,
) -> MCPServer:
    """The server; ``bus`` carries change events to ``subscriptions/listen`` streams (the
    team server shares it with the REST API, so uploaded runs are announced too). The tools
    that take paths work only inside ``roots`` (default: the settings' project folder).
    ``base`` is the front end's context: its store, and over stdio the caller of
    ``ASSAY_TOKEN``; over HTTP each request acts as the principal of its bearer token."""
    served = served_roots(base, roots)
    server = MCPServer(
        "assay",
        subscriptions=bus,
        version=__version__,
        # The SDK sets up the root logger at this level: INFO printed every migration
        # step and session-manager start to standard error.
        log_level="WARNING",
        instructions=(
            "Assay turns a project's artifacts into signed evidence and judges readiness "
            "claims against it: no claim without evidence. Tools act as the principal of "
            "your API token; a refusal says which rule refused it."
        ),
    )

    def caller(ctx: Context) -> Caller:
        token = base.caller.token
        headers = ctx.headers
        if headers is not None:
            token = bearer_token(headers.get("authorization"))
        try:
            who = identify(base, token, _now())
        except AssayError as exc:
            raise ToolError(_reason(exc)) from exc
        return Caller(who.name, base.acting_as(Principal(who.name, token)))

    def run(work: Callable[[], T]) -> T:
        try:
            return work()
        except AssayError as exc:
            raise ToolError(_reason(exc)) from exc

    @server.tool(annotations=CHANGE)
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
                who.ctx, who.name, path, _now(), roots=served, progress=Progress()
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

    @server.tool(annotations=READ)
    def scan_dependencies(path: str, ctx: Context) -> dict[str, Any]:
        """Match the locked dependencies of the project folder at ``path`` (inside the
        project the server serves) against the vulnerability database."""
        who = caller(ctx)
        outcome = run(lambda: scan_path(who.ctx, who.name, path, _now(), roots=served))
        return {
            "status": outcome.result.status.value,
            "source": outcome.result.source,
            "findings": [
                {
                    "package": f.package,
                    "version": f.version,
                    "ids": list(f.ids),
                    "severity": str(f.severity.value),
                    "fixed_in": f.fixed_in,
                }
                for f in outcome.result.findings
            ],
        }

    @server.tool(annotations=READ)
    def verify_claims(report: str, project: str, ctx: Context) -> dict[str, Any]:
        """Check every number a completion report claims against the project's newest
        stored run: supported, contradicted or unverifiable, with the measured value. The
        report and the project folder must be inside the project the server serves."""
        who = caller(ctx)
        answer = run(
            lambda: verify_report(who.ctx, who.name, report, project, _now(), roots=served)
        )
        return {"summary": answer.summary, "claims": answer.claims}

    @server.tool(annotations=READ)
    def evaluate_gates(run_id: str, ctx: Context) -> dict[str, Any]:
        """The policy in force judged now against a stored run's evidence."""
        caller(ctx)
        outcome = run(lambda: judge_stored_run(base, Path(), _now().date(), run_id))
        return {
            "run_id": outcome.run_id,
            "verdict": outcome.verdict.value,
            "gates": [
                {"id": g.gate.id, "status": g.status.value, "explanation": g.explanation}
                for g in outcome.gates
            ],
        }

    @server.tool(name="release_status", annotations=READ)
    def get_release_status(project: str, release: str, ctx: Context) -> dict[str, Any]:
        """Gates, role sign-offs and everything still missing before a certificate."""
        caller(ctx)
        status = run(lambda: release_status(base, project, release, _now()))
        return {
            "ready": status.ready,
            "missing": status.missing,
            "etag": status.release.etag,
            "run_id": status.release.run_id,
        }

    @server.tool(name="sign_off", annotations=CHANGE)
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
                now=_now(),
            )
        )
        return {"role": entry.role, "signer": entry.signer, "decision": entry.decision.value}

    @server.tool(name="create_handoff", annotations=CHANGE)
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
        return _handoff(run(lambda: create_handoff(who.ctx, who.name, spec, _now())))

    def move(
        ctx: Context, ident: str, action: Action, note: str = "", **submitted: Any
    ) -> dict[str, Any]:
        who = caller(ctx)
        submission = Submission(**submitted) if submitted else None
        return _handoff(
            run(
                lambda: transition(
                    who.ctx, who.name, ident, action, _now(), submission=submission, note=note
                )
            )
        )

    @server.tool(annotations=CHANGE)
    def accept_handoff(handoff_id: str, ctx: Context) -> dict[str, Any]:
        """Accept a hand-off offered to you (or to a role you hold), and start it."""
        move(ctx, handoff_id, Action.ACCEPT)
        return move(ctx, handoff_id, Action.START)

    @server.tool(annotations=CHANGE)
    def submit_handoff(
        handoff_id: str, ctx: Context, run_id: str | None = None, evidence: list[str] | None = None
    ) -> dict[str, Any]:
        """Submit evidence (a run and/or evidence digests); the acceptance checks run on it
        and every result is in the answer."""
        return move(ctx, handoff_id, Action.SUBMIT, run=run_id, evidence=tuple(evidence or ()))

    @server.tool(annotations=CHANGE)
    def review_handoff(
        handoff_id: str,
        decision: Literal["approve", "request_changes"],
        ctx: Context,
        note: str = "",
    ) -> dict[str, Any]:
        """Approve (only when every acceptance check passed; never your own submission) or
        request changes."""
        action = Action.APPROVE if decision == "approve" else Action.REQUEST_CHANGES
        return move(ctx, handoff_id, action, note)

    @server.tool(annotations=READ)
    def list_my_handoffs(ctx: Context, state: str | None = None) -> dict[str, Any]:
        """Hand-offs assigned to you or to your roles, oldest first."""
        who = caller(ctx)
        found, _ = run(
            lambda: list_handoffs(base, _now(), state=state, assignee=who.name, limit=200)
        )
        return {"handoffs": [_handoff(v) for v in found]}

    @server.tool(name="open_incident", annotations=CHANGE)
    def open_incident_tool(
        title: str, severity: Literal["low", "medium", "high", "critical"], ctx: Context
    ) -> dict[str, str]:
        """Open an incident (its id is INC-YYYYMMDD-NNN)."""
        who = caller(ctx)
        ident = run(
            lambda: open_incident(
                who.ctx, who.name, type="agent", severity=severity, title=title, now=_now()
            )
        )
        return {"incident": ident}

    @server.tool(name="start_lockdown", annotations=DESTRUCTIVE)
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
                now=_now(),
            )
        )
        return {"lockdown": info.id, "incident": info.incident, "suspended": info.suspended}

    @server.tool(annotations=READ)
    def verify_certificate(envelope: dict[str, Any], ctx: Context) -> dict[str, Any]:
        """Verify a signed certificate (a DSSE envelope) with the server's trusted keys
        and its revocations."""
        caller(ctx)
        outcome = run(lambda: verify_posted(base, envelope, _now()))
        if outcome.verified is None:
            assert outcome.failure is not None
            return {"valid": False, "reason": str(outcome.failure.reason)}
        return {"valid": True, "kind": outcome.verified.kind}

    @server.tool(annotations=READ)
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

    _resources(server, base)
    _prompts(server)
    return server


def _resources(server: MCPServer, base: ServiceContext) -> None:
    def read(work: Callable[[], T]) -> T:
        try:
            return work()
        except AssayError as exc:
            raise ResourceError(_reason(exc)) from exc

    @server.resource("assay://runs", mime_type="application/json")
    def runs() -> str:
        """The newest runs and their verdicts."""
        listed = read(lambda: list_runs(base, limit=50))
        return json.dumps(
            [{"id": r.id, "project": r.project, "verdict": r.verdict} for r in listed]
        )

    @server.resource("assay://runs/{run_id}", mime_type="application/json")
    def run_resource(run_id: str) -> str:
        """One run and its evidence by kind and digest."""
        found = read(lambda: get_run(base, run_id))
        evidence = {e.kind: e.sha256 for e in found.evidence}
        return json.dumps({"id": found.id, "project": found.project, "evidence": evidence})

    @server.resource("assay://runs/{run_id}/evidence/{kind}")
    def evidence_resource(run_id: str, kind: str) -> str:
        """An evidence document of a run (sbom.cyclonedx, tests, coverage, claims...)."""
        found = read(lambda: get_run(base, run_id))
        match = next((e for e in found.evidence if e.kind == kind), None)
        if match is None:
            raise ResourceError(f"run {run_id} holds no {kind} evidence")
        _, data = read(lambda: show_evidence(base, match.sha256))
        return data.decode("utf-8")

    @server.resource("assay://handoffs/{handoff_id}", mime_type="application/json")
    def handoff_resource(handoff_id: str) -> str:
        """A hand-off with its criteria and the results of its last submission."""
        return json.dumps(_handoff(read(lambda: get_handoff(base, handoff_id, _now()))))

    @server.resource("assay://certificates/{certificate_id}", mime_type="application/json")
    def certificate_resource(certificate_id: str) -> str:
        """A readiness certificate: its release, validity, revocation and signed envelope."""
        info, envelope = read(lambda: get_certificate(base, certificate_id))
        body = asdict(info) | {"envelope": envelope}
        return json.dumps(body, default=_plain)

    @server.resource("assay://policy", mime_type="application/json")
    def policy() -> str:
        """The gate policy in force: each gate, what passes it, and the policy digest."""
        loaded = read(lambda: load_policy(base))
        return json.dumps(
            {
                "digest": loaded.digest(),
                "gates": [
                    {"id": g.spec.id, "title": g.spec.title, "passes_when": g.spec.passes_when}
                    for g in loaded.gates
                ],
            }
        )


def _prompts(server: MCPServer) -> None:
    @server.prompt()
    def prepare_release(project: str, release: str) -> list[UserMessage]:
        """Prepare a release for certification."""
        return [
            UserMessage(
                f"Prepare release {release} of {project} for certification. Call "
                f"get_release_status for {project} {release}; for each missing item, find "
                "the evidence that would settle it (certify_project, evaluate_gates) rather "
                "than asserting it. Report only what the evidence shows."
            )
        ]

    @server.prompt(name="review_handoff")
    def review_handoff_prompt(handoff_id: str) -> list[UserMessage]:
        """Review a submitted hand-off."""
        return [
            UserMessage(
                f"Review hand-off {handoff_id}: read assay://handoffs/{handoff_id}, check "
                "each acceptance criterion against the submitted evidence, then call "
                "review_handoff with approve only if every check passed, else "
                "request_changes naming what failed."
            )
        ]

    @server.prompt()
    def explain_failing_gate(run_id: str, gate: str) -> list[UserMessage]:
        """Explain why a gate fails and what evidence would pass it."""
        return [
            UserMessage(
                f"Explain why gate {gate} does not pass for run {run_id}: call "
                "evaluate_gates, read the gate's explanation and the evidence it names "
                f"(assay://runs/{run_id}), and say what change to the project would produce "
                "evidence that passes it. Do not claim it passes without that evidence."
            )
        ]


def _handoff(view: Any) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(asdict(view), default=_plain))
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _reason(exc: AssayError) -> str:
    reason = exc.message
    if isinstance(exc, LockedDown):
        reason += f" [incident {exc.incident}]"
    return reason + (f" (hint: {exc.hint})" if exc.hint else "")
