"""OSCAL assessment results (JSON model) of one release's compliance statuses.

One ``result`` covers every framework assessed; each control is one ``finding`` whose
target status is OSCAL's ``satisfied`` or ``not-satisfied``, with Assay's own state
(satisfied, partial, missing, not-applicable) in an ``assay-state`` property. Each piece
of verified evidence is one ``observation`` pointing at its blob by SHA-256 digest, shared
by the findings it supports. Identifiers are name-based UUIDs over what they identify,
the document's own over its content, so the same statuses give the same document.

The document is OSCAL 1.1.3; its shape is also valid OSCAL 1.2 (the assessment-results
model did not change between them), which is what compliance-trestle checks it against.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from assay.core.compliance.model import (
    ComplianceStatus,
    ControlState,
    ControlStatus,
    Proof,
    Subject,
)

__all__ = ["NAMESPACE", "OSCAL_VERSION", "assessment_results", "release_label", "release_window"]

OSCAL_VERSION = "1.1.3"
NAMESPACE = "https://assay.dev/ns/oscal"
"""The namespace of Assay's own properties (``ns`` of a prop)."""

_UUIDS = uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE)
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_TESTED = frozenset(
    {"tests", "coverage", "integration-tests", "load-tests", "benchmarks", "performance"}
)
"""Evidence kinds that exercise the software (OSCAL method TEST); the rest are EXAMINE."""
_WORDS = {
    ControlState.SATISFIED: "Satisfied: everything the control's mapping names is there "
    "and verified.",
    ControlState.PARTIAL: "Not satisfied: part of what the control's mapping names is there.",
    ControlState.MISSING: "Not satisfied: nothing the control's mapping names is there.",
    ControlState.NOT_APPLICABLE: "Not applicable to this release.",
}


def assessment_results(
    statuses: Sequence[ComplianceStatus], *, assay_version: str
) -> dict[str, Any]:
    """The OSCAL document (top key ``assessment-results``) of one release's statuses, one
    per framework, as a JSON-ready dict in a fixed key order.

    Raises ValueError when ``statuses`` is empty, names two releases or one framework twice.
    """
    subject, start, end = release_window(statuses)
    observations = _Observations(subject, end)
    findings = [
        _finding(subject, status.catalog.framework, control, observations)
        for status in statuses
        for control in status.controls
    ]
    name = release_label(subject)
    plan = _uuid("assessment-plan", subject.project, name)
    result: dict[str, Any] = {
        "uuid": _uuid("result", subject.project, name),
        "title": _line(f"Assay compliance assessment of {subject.project} {name}"),
        "description": "Controls of "
        + ", ".join(f"{s.catalog.title} {s.catalog.version}" for s in statuses)
        + f", judged by Assay {assay_version} against the evidence, gates and records "
        f"of run {subject.run}.",
        "start": start,
        **({"end": end} if end != start else {}),
        "props": _subject_props(subject),
        "reviewed-controls": {
            "control-selections": [
                {
                    "description": f"{s.catalog.title} {s.catalog.version}",
                    "include-controls": [
                        {"control-id": _token(c.control.oscal_id or c.control.id)}
                        for c in s.controls
                    ],
                }
                for s in statuses
                if s.controls
            ]
            or [{"description": "No controls were assessed.", "include-all": {}}]
        },
    }
    if observations.items:
        result["observations"] = list(observations.items.values())
    if findings:
        result["findings"] = findings
    body: dict[str, Any] = {
        "metadata": {
            "title": _line(f"Compliance of {subject.project} {name}"),
            "last-modified": end,
            "version": _line(name),
            "oscal-version": OSCAL_VERSION,
            "props": [_prop("assay-version", assay_version)],
        },
        "import-ap": {
            "href": f"#{plan}",
            "remarks": "No OSCAL assessment plan exists: the plan is Assay's control "
            "mapping, described in the back matter.",
        },
        "results": [result],
        "back-matter": {"resources": [_plan(plan, statuses)]},
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return {"assessment-results": {"uuid": _uuid("document", digest), **body}}


def release_window(statuses: Sequence[ComplianceStatus]) -> tuple[Subject, str, str]:
    """The release all ``statuses`` are about and the first and last ``assessed_at``, as
    RFC 3339 times. Raises ValueError on no statuses, two releases or a repeated framework.
    """
    if not statuses:
        raise ValueError("no compliance statuses to export")
    subject = statuses[0].subject
    others = {(s.subject.project, release_label(s.subject)) for s in statuses}
    if others != {(subject.project, release_label(subject))}:
        raise ValueError("compliance statuses of more than one release: " + str(sorted(others)))
    frameworks = [s.catalog.framework for s in statuses]
    twice = sorted({f for f in frameworks if frameworks.count(f) > 1})
    if twice:
        raise ValueError(f"framework assessed twice: {', '.join(twice)}")
    times = sorted((_moment(s.assessed_at) for s in statuses), key=lambda t: t[0])
    return subject, times[0][1], times[-1][1]


def release_label(subject: Subject) -> str:
    """The release's name, or ``run <id>`` for a run outside any release."""
    return subject.release or f"run {subject.run}"


def _moment(text: str) -> tuple[datetime, str]:
    """An ISO 8601 time and its RFC 3339 form; without an offset it is UTC, as Assay
    records times."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment, moment.isoformat()


def _finding(
    subject: Subject,
    framework: str,
    status: ControlStatus,
    observations: _Observations,
) -> dict[str, Any]:
    control = status.control
    state = status.state
    target: dict[str, Any] = {
        "type": "objective-id",
        "target-id": _token(control.oscal_id or control.id),
        "title": _line(f"{framework} {control.id}"),
        "status": {
            "state": "satisfied" if state is ControlState.SATISFIED else "not-satisfied",
            "reason": {
                ControlState.SATISFIED: "pass",
                ControlState.NOT_APPLICABLE: "other",
            }.get(state, "fail"),
        },
    }
    if state is ControlState.NOT_APPLICABLE:
        target["implementation-status"] = {"state": "not-applicable"}
        if status.justification:
            target["implementation-status"]["remarks"] = status.justification
    related = [observations.add(p) for p in status.proofs if p.what == "evidence"]
    finding: dict[str, Any] = {
        "uuid": _uuid("finding", subject.project, release_label(subject), framework, control.id),
        "title": _line(f"{framework} {control.id}: {control.title}"),
        "description": _description(status),
        "props": [
            _prop("assay-state", state.value),
            _prop("framework", framework),
            _prop("required", "true" if status.required else "false"),
        ],
        "target": target,
    }
    if related:
        finding["related-observations"] = [{"observation-uuid": u} for u in dict.fromkeys(related)]
    return finding


def _description(status: ControlStatus) -> str:
    lines = [_WORDS[status.state]]
    if status.justification:
        lines += ["", f"Justification: {status.justification}"]
    if status.missing:
        lines += ["", "Missing:", *(f"- {m}" for m in status.missing)]
    if status.proofs:
        lines += ["", "Shown by:", *(f"- {_shown(p)}" for p in status.proofs)]
    if status.note:
        lines += ["", f"Note: {status.note}"]
    return "\n".join(lines)


def _shown(proof: Proof) -> str:
    if proof.what == "evidence":
        return f"{proof.name} evidence {proof.ident} (sha256 {proof.sha256 or 'unknown'})"
    if proof.what == "gate":
        return f"gate {proof.name} passed"
    return f"{proof.what} {proof.name}: {proof.ident}"


class _Observations:
    """One observation per piece of evidence, in order of first use."""

    def __init__(self, subject: Subject, collected: str) -> None:
        self.subject = subject
        self.collected = collected
        self.digests: dict[tuple[str, str], str] = {}
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def add(self, proof: Proof) -> str:
        """The UUID of the observation of evidence ``proof``."""
        key = (proof.name, proof.ident)
        if key in self.items:
            if self.digests[key] != proof.sha256:
                raise ValueError(f"{proof.name} evidence {proof.ident} comes with two digests")
            return str(self.items[key]["uuid"])
        subject = self.subject
        name = release_label(subject)
        ident = _uuid("observation", subject.project, name, proof.name, proof.ident)
        observation: dict[str, Any] = {
            "uuid": ident,
            "title": _line(f"{proof.name} evidence {proof.ident}"),
            "description": f"Assay {proof.name} evidence {proof.ident} of run {subject.run}, "
            "present and verified against its stored digest.",
            "props": [_prop("evidence-kind", proof.name)],
            "methods": ["TEST" if proof.name in _TESTED else "EXAMINE"],
        }
        if proof.sha256:
            observation["relevant-evidence"] = [
                {
                    "href": f"evidence:sha256:{proof.sha256}",
                    "description": f"The stored {proof.name} evidence, addressed by its "
                    "SHA-256 digest in Assay's evidence store.",
                }
            ]
        observation["collected"] = self.collected
        self.digests[key] = proof.sha256
        self.items[key] = observation
        return ident


def _plan(ident: str, statuses: Sequence[ComplianceStatus]) -> dict[str, Any]:
    return {
        "uuid": ident,
        "title": "Assay control mapping",
        "description": "Each control is judged against the evidence kinds, gates and "
        "release records that Assay's control mapping (its defaults and the project's "
        "assay.toml) names for it. Catalogs: "
        + "; ".join(f"{s.catalog.title} {s.catalog.version} ({s.catalog.source})" for s in statuses)
        + ".",
    }


def _subject_props(subject: Subject) -> list[dict[str, str]]:
    props = [_prop("project", subject.project)]
    if subject.release:
        props.append(_prop("release", subject.release))
    props += [_prop("run", subject.run), _prop("evidence-digest", subject.evidence_digest)]
    if subject.commit:
        props.append(_prop("commit", subject.commit))
    return props


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": NAMESPACE, "value": _line(value) or "none"}


def _line(text: str) -> str:
    """One line without surrounding blanks, as OSCAL titles and values must be."""
    return " ".join(text.split())


def _token(ident: str) -> str:
    """``ident`` as an OSCAL token: characters outside one become ``_``."""
    if _TOKEN.fullmatch(ident):
        return ident
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "_", ident)
    return cleaned if _TOKEN.fullmatch(cleaned) else f"_{cleaned}"


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_UUIDS, "\x1f".join(parts)))
