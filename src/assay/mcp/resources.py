"""The MCP resources (runs, evidence, hand-offs, certificates, the policy) and prompts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp.server.mcpserver.prompts.base import UserMessage

from assay.errors import AssayError
from assay.mcp.state import _plain as plain
from assay.mcp.state import now, plain_handoff, reason
from assay.services.certificates import get_certificate
from assay.services.context import Context as ServiceContext
from assay.services.gates import load_policy
from assay.services.handoffs import get_handoff
from assay.services.runs import get_run, list_runs, show_evidence

__all__ = ["register_prompts", "register_resources"]

T = TypeVar("T")


def register_resources(server: MCPServer, base: ServiceContext) -> None:
    def read(work: Callable[[], T]) -> T:
        try:
            return work()
        except AssayError as exc:
            raise ResourceError(reason(exc)) from exc

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
        return json.dumps(plain_handoff(read(lambda: get_handoff(base, handoff_id, now()))))

    @server.resource("assay://certificates/{certificate_id}", mime_type="application/json")
    def certificate_resource(certificate_id: str) -> str:
        """A readiness certificate: its release, validity, revocation and signed envelope."""
        info, envelope = read(lambda: get_certificate(base, certificate_id))
        body = asdict(info) | {"envelope": envelope}
        return json.dumps(body, default=plain)

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


def register_prompts(server: MCPServer) -> None:
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
