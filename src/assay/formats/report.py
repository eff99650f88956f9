"""The run report as Markdown (for people) and JSON (for tools)."""

from __future__ import annotations

import json
from typing import Any

from assay.core.exemptions import Exemption
from assay.core.gates import GateResult, GateStatus
from assay.core.report import RunReport

__all__ = ["gate_dict", "to_json", "to_markdown"]

_MARK = {
    GateStatus.PASS: "PASS",
    GateStatus.FAIL: "FAIL",
    GateStatus.WAIVED: "WAIVED",
    GateStatus.UNKNOWN: "UNKNOWN",
}


def to_dict(report: RunReport) -> dict[str, Any]:
    return {
        "schema": "https://assay.dev/schemas/run-report/v1",
        "run": {
            "id": report.run_id,
            "project": report.project,
            "project_root": report.project_root,
            "commit": report.commit,
            "dirty": report.dirty,
            "started_at": report.started_at.isoformat(),
            "finished_at": report.finished_at.isoformat(),
            "assay_version": report.assay_version,
            "inputs_digest": report.inputs_digest,
        },
        "verdict": report.verdict.value,
        "gates": [gate_dict(g) for g in report.gates],
        "policy": {
            "digest": report.policy_digest,
            "disabled": [{"gate": gate, "reason": why} for gate, why in report.disabled_gates],
        },
        "evidence": [
            {
                "id": e.id,
                "kind": e.kind,
                "sha256": e.sha256,
                "media_type": e.media_type,
                "size": e.size,
                "collected_at": e.collected_at.isoformat(),
                "summary": e.summary,
            }
            for e in report.evidence
        ],
        "steps": [
            {
                "name": s.name,
                "title": s.title,
                "seconds": round(s.seconds, 3),
                "notes": list(s.notes),
                "skipped": s.skipped,
            }
            for s in report.steps
        ],
    }


def gate_dict(g: GateResult) -> dict[str, Any]:
    return {
        "id": g.gate.id,
        "title": g.gate.title,
        "passes_when": g.gate.passes_when,
        "status": g.status.value,
        "measured": g.measured,
        "threshold": g.threshold,
        "evidence": list(g.evidence),
        "explanation": g.explanation,
        "judged": g.judged.value if g.judged else None,
        "waiver": _waiver(g.waiver) if g.waiver else None,
        "expired_waivers": [_waiver(w) for w in g.expired_waivers],
    }


def _waiver(waiver: Exemption) -> dict[str, Any]:
    return {
        "gate": waiver.subject,
        "owner": waiver.owner,
        "reason": waiver.reason,
        "expires": waiver.expires.isoformat(),
        "ticket": waiver.ticket,
    }


def to_json(report: RunReport) -> str:
    return (
        json.dumps(to_dict(report), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
        + "\n"
    )


def to_markdown(report: RunReport) -> str:
    lines = [
        f"# Readiness report: {report.project}",
        "",
        f"**Verdict: {report.verdict.value.upper()}**",
        "",
        f"- Run: `{report.run_id}`",
        f"- Commit: `{report.commit or 'unknown (not a git repository)'}`"
        + (" (uncommitted changes)" if report.dirty else ""),
        f"- Started: {report.started_at.isoformat()}; finished: {report.finished_at.isoformat()}",
        f"- Assay {report.assay_version}; inputs digest `{report.inputs_digest[:16]}`",
        "",
        "## Gates",
        "",
        "| Gate | Title | Status | Measured | Threshold | Explanation |",
        "|---|---|---|---|---|---|",
    ]
    for g in report.gates:
        lines.append(
            f"| {g.gate.id} | {g.gate.title} | {_MARK[g.status]} | {g.measured or '-'} "
            f"| {g.threshold or '-'} | {_cell(g.explanation)} |"
        )
    lines += [
        "",
        "A gate is `UNKNOWN` when there is no evidence to judge it; unknown counts as a "
        "failure for certification.",
        "",
        f"Policy digest `{report.policy_digest[:16]}`."
        + "".join(f" {gate} is switched off: {why}." for gate, why in report.disabled_gates),
        "",
        "## Evidence",
        "",
        "| Kind | SHA-256 | Size | Summary |",
        "|---|---|---|---|",
    ]
    for e in report.evidence:
        summary = ", ".join(
            f"{k}: {v}" for k, v in sorted(e.summary.items()) if not isinstance(v, list)
        )
        lines.append(f"| {e.kind} | `{e.sha256[:16]}` | {e.size} B | {_cell(summary)} |")
    lines += ["", "## Steps", ""]
    for s in report.steps:
        state = f"skipped: {s.skipped}" if s.skipped else f"{s.seconds:.2f} s"
        lines.append(f"### {s.title} ({state})")
        lines.append("")
        lines += [f"- {_cell(note)}" for note in s.notes] or ["- nothing to note"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
