"""CycloneDX 1.6 attestations (CDXA) of one release's compliance statuses.

Each framework is a ``definitions.standards`` entry whose requirements are its controls;
``declarations`` holds Assay as the (self) assessor, one attestation per framework that
maps each requirement to claims or counter-claims with a conformance score, the claims
about the release, and the evidence that backs them, each naming its blob's SHA-256.

CycloneDX has no "not applicable": such a requirement is mapped to a claim that it does
not apply, with the justification, and a conformance without a score (the score is
optional; 0 would say it fails, 1 that it is met, and neither is true).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assay.core.compliance.model import (
    Catalog,
    ComplianceStatus,
    ControlState,
    ControlStatus,
    Proof,
    Subject,
)
from assay.formats.cyclonedx_json import content_uuid
from assay.formats.oscal import release_window

__all__ = ["ASSESSOR_REF", "SCORES", "attestations_bom"]

ASSESSOR_REF = "assessor:assay"
SCORES = {ControlState.SATISFIED: 1.0, ControlState.PARTIAL: 0.5, ControlState.MISSING: 0.0}
"""Conformance score of each state; not-applicable has none."""


def attestations_bom(statuses: Sequence[ComplianceStatus], *, assay_version: str) -> dict[str, Any]:
    """The CycloneDX 1.6 BOM of one release's statuses, one per framework, as a JSON-ready
    dict in a fixed key order. The serial number is derived from the rest of the document.

    Raises ValueError when ``statuses`` is empty, names two releases or one framework twice.
    """
    subject, _, assessed = release_window(statuses)
    target = f"{subject.project}@{subject.release or subject.run}"
    evidence = _Evidence(subject, assessed)
    claims: list[dict[str, Any]] = []
    attestations = [
        {
            "summary": _summary(status),
            "assessor": ASSESSOR_REF,
            "map": [
                _map(status.catalog, control, target, claims, evidence)
                for control in status.controls
            ],
        }
        for status in statuses
    ]
    declarations: dict[str, Any] = {
        "assessors": [
            {"bom-ref": ASSESSOR_REF, "thirdParty": False, "organization": {"name": "Assay"}}
        ],
        "attestations": attestations,
    }
    if claims:
        declarations["claims"] = claims
    if evidence.items:
        declarations["evidence"] = list(evidence.items.values())
    declarations["targets"] = {"components": [{**_release(subject), "bom-ref": target}]}
    body: dict[str, Any] = {
        "metadata": {
            "timestamp": assessed,
            "tools": {
                "components": [{"type": "application", "name": "assay", "version": assay_version}]
            },
            "component": _release(subject),
        },
        "definitions": {"standards": [_standard(s.catalog) for s in statuses]},
        "declarations": declarations,
    }
    head = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
    }
    serial = content_uuid("attestations", {**head, "version": 1, **body}).urn
    return {**head, "serialNumber": serial, "version": 1, **body}


def _release(subject: Subject) -> dict[str, Any]:
    properties = [
        {"name": "assay:run", "value": subject.run},
        {"name": "assay:evidence-digest", "value": subject.evidence_digest},
    ]
    if subject.commit:
        properties.append({"name": "assay:commit", "value": subject.commit})
    component: dict[str, Any] = {"type": "application", "name": subject.project}
    if subject.release:
        component["version"] = subject.release
    component["properties"] = properties
    return component


def _standard(catalog: Catalog) -> dict[str, Any]:
    requirements = []
    for control in catalog.controls:
        requirement: dict[str, Any] = {
            "bom-ref": _requirement_ref(catalog.framework, control.id),
            "identifier": control.id,
            "title": control.title,
        }
        if control.group:
            group = f"{control.group} {control.group_title}".strip()
            requirement["properties"] = [{"name": "assay:group", "value": group}]
        requirements.append(requirement)
    published = f", published {catalog.published}" if catalog.published else ""
    standard: dict[str, Any] = {
        "bom-ref": f"standard:{catalog.framework}",
        "name": catalog.framework,
        "version": catalog.version,
        "description": f"{catalog.title}{published}. Source: {catalog.source}",
        "requirements": requirements,
    }
    if catalog.source.startswith(("https://", "http://")):
        standard["externalReferences"] = [{"type": "documentation", "url": catalog.source}]
    return standard


def _map(
    catalog: Catalog,
    status: ControlStatus,
    target: str,
    claims: list[dict[str, Any]],
    evidence: _Evidence,
) -> dict[str, Any]:
    """The attestation map entry of one control; its claims are added to ``claims``."""
    control = status.control
    ref = f"{catalog.framework}:{control.id}"
    named = f"{catalog.framework} {control.id} ({control.title})"
    entry: dict[str, Any] = {"requirement": _requirement_ref(catalog.framework, control.id)}
    if status.state is ControlState.NOT_APPLICABLE:
        why = status.justification or "no justification given"
        claims.append(_claim(f"claim:{ref}", target, f"{named} does not apply", why, []))
        entry["claims"] = [f"claim:{ref}"]
        entry["conformance"] = {"rationale": f"Not applicable: {why}"}
        return entry
    shown = [evidence.add(p) for p in status.proofs if p.what == "evidence"]
    others = [_shown(p) for p in status.proofs if p.what != "evidence"]
    if status.proofs:
        reasoning = "Present and verified: " + "; ".join(
            [f"{p.name} evidence {p.ident}" for p in status.proofs if p.what == "evidence"] + others
        )
        verb = "partly meets" if status.missing else "meets"
        claims.append(_claim(f"claim:{ref}", target, f"{verb} {named}", reasoning, shown))
        entry["claims"] = [f"claim:{ref}"]
    missing = "; ".join(status.missing)
    if status.missing:
        verb = "does not fully meet" if status.proofs else "does not meet"
        claims.append(_claim(f"counterclaim:{ref}", target, f"{verb} {named}", missing, []))
        entry["counterClaims"] = [f"counterclaim:{ref}"]
    rationale = {
        ControlState.SATISFIED: "Everything the control's mapping names is there and verified.",
        ControlState.PARTIAL: f"Part of what the control's mapping names is missing: {missing}.",
        ControlState.MISSING: f"Nothing the control's mapping names is there: {missing}.",
    }[status.state]
    if status.note:
        rationale += f" Note: {status.note}"
    entry["conformance"] = {"score": SCORES[status.state], "rationale": rationale}
    return entry


def _claim(
    ref: str, target: str, predicate: str, reasoning: str, evidence: list[str]
) -> dict[str, Any]:
    claim: dict[str, Any] = {
        "bom-ref": ref,
        "target": target,
        "predicate": predicate,
        "reasoning": reasoning,
    }
    if evidence:
        claim["evidence"] = list(dict.fromkeys(evidence))
    return claim


class _Evidence:
    """One evidence entry per piece of evidence, in order of first use."""

    def __init__(self, subject: Subject, created: str) -> None:
        self.run = subject.run
        self.created = created
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.digests: dict[tuple[str, str], str] = {}

    def add(self, proof: Proof) -> str:
        """The bom-ref of the evidence entry of ``proof``."""
        key = (proof.name, proof.ident)
        ref = f"evidence:{proof.name}:{proof.ident}"
        if key in self.items:
            if self.digests[key] != proof.sha256:
                raise ValueError(f"{proof.name} evidence {proof.ident} comes with two digests")
            return ref
        entry: dict[str, Any] = {
            "bom-ref": ref,
            "propertyName": f"assay:evidence:{proof.name}",
            "description": f"Assay {proof.name} evidence {proof.ident} of run {self.run}, "
            "present and verified against its stored SHA-256 digest.",
        }
        if proof.sha256:
            entry["data"] = [
                {
                    "name": f"sha256:{proof.sha256}",
                    "contents": {"url": f"evidence:sha256:{proof.sha256}"},
                }
            ]
        # Proofs carry no collection time; the run's finish bounds it.
        entry["created"] = self.created
        self.items[key] = entry
        self.digests[key] = proof.sha256
        return ref


def _shown(proof: Proof) -> str:
    if proof.what == "gate":
        return f"gate {proof.name} passed"
    return f"{proof.what} {proof.name}: {proof.ident}"


def _summary(status: ComplianceStatus) -> str:
    counts = ", ".join(f"{status.count(s)} {s.value}" for s in ControlState)
    return f"{status.catalog.title} {status.catalog.version}: {counts}"


def _requirement_ref(framework: str, control: str) -> str:
    return f"requirement:{framework}:{control}"
