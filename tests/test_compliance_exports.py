"""Compliance exports: OSCAL assessment results that compliance-trestle's OSCAL models load,
CycloneDX 1.6 attestations that the official schema accepts, both byte-identical on
re-runs and both naming the digest of the evidence behind a satisfied control."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pydantic
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from trestle.core.validator_factory import validator_factory
from trestle.oscal.assessment_results import AssessmentResults

from assay.core.compliance import (
    Catalog,
    ComplianceStatus,
    Control,
    ControlState,
    ControlStatus,
    Proof,
    Subject,
)
from assay.formats.cyclonedx_attestations import attestations_bom
from assay.formats.oscal import NAMESPACE, OSCAL_VERSION, assessment_results

VERSION = "0.1.0"
ASSESSED = "2026-11-23T12:00:00+00:00"


def _digest(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


TESTS = Proof("evidence", "tests", "ev_01JD8TESTS", _digest("junit.xml"))
SBOM = Proof("evidence", "sbom.cyclonedx", "ev_01JD8SBOM", _digest("bom.json"))
SAST = Proof("evidence", "static-analysis", "ev_01JD8SAST", _digest("ruff.sarif"))
VULNS = Proof("evidence", "vulnerabilities", "ev_01JD8VULN", _digest("osv.json"))
SUBJECT = Subject(
    "payments-api", "2.4.0", "run_01JD8RUN", _digest("evidence-set"), commit="9f2c1e7a4b5d"
)


def _ssdf() -> ComplianceStatus:
    groups = {
        "PO": "Prepare the Organization",
        "PS": "Protect the Software",
        "PW": "Produce Well-Secured Software",
        "RV": "Respond to Vulnerabilities",
    }

    def c(ident: str, title: str) -> Control:
        group = ident.split(".")[0]
        return Control("ssdf", ident, title, group=group, group_title=groups[group])

    controls = (
        ControlStatus(
            c("PW.8.2", "Scope the testing, design the tests, perform the testing"),
            ControlState.SATISFIED,
            True,
            proofs=(TESTS, Proof("gate", "tests-pass", "tests-pass")),
        ),
        ControlStatus(
            c("PS.3.2", "Collect, safeguard, maintain, and share provenance data"),
            ControlState.PARTIAL,
            True,
            proofs=(SBOM,),
            missing=("no provenance evidence in the release's run",),
            note="SLSA provenance comes from the build system",
        ),
        ControlStatus(
            c("RV.1.1", "Gather information about potential vulnerabilities"),
            ControlState.MISSING,
            True,
            missing=("vulnerabilities evidence does not verify: blob digest changed",),
        ),
        ControlStatus(
            c("PO.5.1", "Separate and protect each environment involved in development"),
            ControlState.NOT_APPLICABLE,
            False,
            justification="Builds run on ephemeral hosted runners owned by the platform team.",
        ),
        ControlStatus(
            c("PW.7.2", "Review and/or analyze human-readable code"),
            ControlState.SATISFIED,
            False,
            proofs=(SAST, Proof("record", "signoffs", "so_01JD8QUORUM")),
        ),
    )
    catalog = Catalog(
        "ssdf",
        "NIST SP 800-218 Secure Software Development Framework",
        "1.1",
        "2022-02-03",
        "https://csrc.nist.gov/pubs/sp/800/218/final",
        tuple(s.control for s in controls),
    )
    return ComplianceStatus(catalog, SUBJECT, controls, ASSESSED)


def _iso() -> ComplianceStatus:
    groups = {"5": "Organizational controls", "8": "Technological controls"}

    def c(ident: str, title: str) -> Control:
        group = ident.split(".")[1]
        return Control("iso27001", ident, title, group=group, group_title=groups[group])

    controls = (
        ControlStatus(
            c("A.8.28", "Secure coding"),
            ControlState.SATISFIED,
            True,
            proofs=(SAST, TESTS),  # shared with SSDF: one observation, one evidence entry
        ),
        ControlStatus(
            c("A.8.8", "Management of technical vulnerabilities"),
            ControlState.PARTIAL,
            True,
            proofs=(VULNS,),
            missing=("gate no-critical-vulns is fail, not pass",),
        ),
        ControlStatus(
            c("A.8.32", "Change management"),
            ControlState.MISSING,
            False,
            missing=("the release's sign-off quorum is not met",),
        ),
        ControlStatus(
            c("A.5.23", "Information security for use of cloud services"),
            ControlState.NOT_APPLICABLE,
            False,
            justification="The service runs on premises.",
        ),
    )
    catalog = Catalog(
        "iso27001",
        "ISO/IEC 27001:2022 Annex A",
        "2022",
        "2022-10-25",
        "ISO/IEC 27001:2022",
        tuple(s.control for s in controls),
    )
    return ComplianceStatus(catalog, SUBJECT, controls, ASSESSED)


def _statuses() -> list[ComplianceStatus]:
    return [_ssdf(), _iso()]


def _oscal() -> dict[str, Any]:
    return assessment_results(_statuses(), assay_version=VERSION)


def _cdx() -> dict[str, Any]:
    return attestations_bom(_statuses(), assay_version=VERSION)


def _findings(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f["title"].split(":")[0]: f for f in doc["assessment-results"]["results"][0]["findings"]
    }


# OSCAL


def test_trestle_loads_the_oscal_export() -> None:
    doc = _oscal()
    model = AssessmentResults.model_validate(doc["assessment-results"])
    # Trestle's own checks (duplicate UUIDs, references, links), as `trestle validate` runs.
    for validator in validator_factory.get_all():
        assert validator.model_is_valid(model, True), validator.error_msg()
    assert model.metadata.oscal_version.root.root == OSCAL_VERSION
    # The import-ap fragment names a back-matter resource of the document.
    assert model.back_matter is not None and model.back_matter.resources
    assert model.import_ap.href == f"#{model.back_matter.resources[0].uuid}"
    # Trestle writes it back as the same JSON.
    again = json.loads(model.oscal_serialize_json(pretty=False))
    assert again == doc


def test_trestle_rejects_a_broken_oscal_document() -> None:
    doc = _oscal()
    broken = copy.deepcopy(doc["assessment-results"])
    broken["results"][0]["findings"][0]["target"]["status"]["state"] = "sort-of"
    with pytest.raises(pydantic.ValidationError):
        AssessmentResults.model_validate(broken)
    undated = copy.deepcopy(doc["assessment-results"])
    undated["metadata"]["last-modified"] = "2026-11-23T12:00:00"
    with pytest.raises(pydantic.ValidationError):
        AssessmentResults.model_validate(undated)


def test_oscal_findings_carry_assay_states_and_oscal_status() -> None:
    doc = _oscal()
    result = doc["assessment-results"]["results"][0]
    assert (
        result["start"] == ASSESSED
        and doc["assessment-results"]["metadata"]["last-modified"] == ASSESSED
    )
    selections = result["reviewed-controls"]["control-selections"]
    assert [[c["control-id"] for c in s["include-controls"]] for s in selections] == [
        ["PW.8.2", "PS.3.2", "RV.1.1", "PO.5.1", "PW.7.2"],
        ["A.8.28", "A.8.8", "A.8.32", "A.5.23"],
    ]
    findings = _findings(doc)
    expected = {
        "ssdf PW.8.2": ("satisfied", "satisfied", "pass"),
        "ssdf PS.3.2": ("partial", "not-satisfied", "fail"),
        "ssdf RV.1.1": ("missing", "not-satisfied", "fail"),
        "ssdf PO.5.1": ("not-applicable", "not-satisfied", "other"),
        "iso27001 A.8.28": ("satisfied", "satisfied", "pass"),
        "iso27001 A.5.23": ("not-applicable", "not-satisfied", "other"),
    }
    for name, (ours, state, reason) in expected.items():
        finding = findings[name]
        prop = next(p for p in finding["props"] if p["name"] == "assay-state")
        assert prop == {"name": "assay-state", "ns": NAMESPACE, "value": ours}
        assert finding["target"]["status"] == {"state": state, "reason": reason}
    na = findings["ssdf PO.5.1"]
    assert na["target"]["implementation-status"]["state"] == "not-applicable"
    assert "ephemeral hosted runners" in na["description"]
    assert "no provenance evidence" in findings["ssdf PS.3.2"]["description"]


def test_oscal_observations_are_shared_and_linked() -> None:
    result = _oscal()["assessment-results"]["results"][0]
    observations = {o["uuid"]: o for o in result["observations"]}
    assert len(observations) == 4  # tests, sbom, static-analysis, vulnerabilities
    for finding in result["findings"]:
        for link in finding.get("related-observations", []):
            assert link["observation-uuid"] in observations
    methods = {o["title"].split()[0]: o["methods"] for o in observations.values()}
    assert methods["tests"] == ["TEST"] and methods["sbom.cyclonedx"] == ["EXAMINE"]


# CycloneDX


def test_the_cyclonedx_schema_accepts_the_attestations() -> None:
    doc = _cdx()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc)) is None
    assert doc["specVersion"] == "1.6" and doc["metadata"]["timestamp"] == ASSESSED
    refs = [
        item["bom-ref"]
        for group in (
            doc["definitions"]["standards"],
            *(s["requirements"] for s in doc["definitions"]["standards"]),
            doc["declarations"]["assessors"],
            doc["declarations"]["claims"],
            doc["declarations"]["evidence"],
            doc["declarations"]["targets"]["components"],
        )
        for item in group
    ]
    assert len(refs) == len(set(refs))
    for attestation in doc["declarations"]["attestations"]:
        for entry in attestation["map"]:
            assert entry["requirement"] in refs
            for ref in entry.get("claims", []) + entry.get("counterClaims", []):
                assert ref in refs
    for claim in doc["declarations"]["claims"]:
        assert claim["target"] in refs and all(e in refs for e in claim.get("evidence", []))


def test_the_cyclonedx_schema_rejects_broken_attestations() -> None:
    doc = _cdx()
    doc["declarations"]["attestations"][0]["map"][0]["conformance"]["score"] = 1.5
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc)) is not None
    doc = _cdx()
    doc["declarations"]["claims"][0]["verdict"] = "trust me"
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc)) is not None


def test_cyclonedx_conformance_follows_the_states() -> None:
    doc = _cdx()
    ssdf = doc["declarations"]["attestations"][0]
    by_requirement = {e["requirement"].split(":")[-1]: e for e in ssdf["map"]}
    assert by_requirement["PW.8.2"]["conformance"]["score"] == 1.0
    assert by_requirement["PS.3.2"]["conformance"]["score"] == 0.5
    assert by_requirement["PS.3.2"]["counterClaims"] and by_requirement["PS.3.2"]["claims"]
    assert by_requirement["RV.1.1"]["conformance"]["score"] == 0.0
    assert "claims" not in by_requirement["RV.1.1"]
    na = by_requirement["PO.5.1"]["conformance"]
    assert "score" not in na and na["rationale"].startswith("Not applicable: Builds run")
    assert ssdf["summary"].endswith("2 satisfied, 1 partial, 1 missing, 1 not-applicable")


# Both


def test_both_exports_are_byte_identical_on_rebuild() -> None:
    for build in (_oscal, _cdx):
        first, second = build(), build()
        assert json.dumps(first, indent=2) == json.dumps(second, indent=2)


def test_the_document_ids_follow_the_content_and_the_control_ids_do_not() -> None:
    changed = _statuses()
    control = changed[0].controls[0]
    proofs = (Proof("evidence", "tests", TESTS.ident, _digest("junit-rerun.xml")),)
    changed[0] = ComplianceStatus(
        changed[0].catalog,
        SUBJECT,
        (ControlStatus(control.control, control.state, True, proofs), *changed[0].controls[1:]),
        ASSESSED,
    )
    changed[1] = ComplianceStatus(
        changed[1].catalog,
        SUBJECT,
        tuple(c for c in changed[1].controls if TESTS not in c.proofs),
        ASSESSED,
    )
    before, after = _oscal(), assessment_results(changed, assay_version=VERSION)
    assert before["assessment-results"]["uuid"] != after["assessment-results"]["uuid"]
    assert _findings(before)["ssdf PW.8.2"]["uuid"] == _findings(after)["ssdf PW.8.2"]["uuid"]
    assert (
        _cdx()["serialNumber"] != attestations_bom(changed, assay_version=VERSION)["serialNumber"]
    )


def test_a_satisfied_control_names_its_evidence_digest_in_both() -> None:
    digest = TESTS.sha256
    result = _oscal()["assessment-results"]["results"][0]
    finding = _findings({"assessment-results": {"results": [result]}})["ssdf PW.8.2"]
    assert digest in finding["description"]
    observations = {o["uuid"]: o for o in result["observations"]}
    hrefs = [
        e["href"]
        for link in finding["related-observations"]
        for e in observations[link["observation-uuid"]]["relevant-evidence"]
    ]
    assert hrefs == [f"evidence:sha256:{digest}"]

    doc = _cdx()
    entry = next(
        e
        for e in doc["declarations"]["attestations"][0]["map"]
        if e["requirement"] == "requirement:ssdf:PW.8.2"
    )
    claims = {c["bom-ref"]: c for c in doc["declarations"]["claims"]}
    evidence = {e["bom-ref"]: e for e in doc["declarations"]["evidence"]}
    urls = [
        d["contents"]["url"]
        for ref in entry["claims"]
        for e in claims[ref]["evidence"]
        for d in evidence[e]["data"]
    ]
    assert urls == [f"evidence:sha256:{digest}"]


@pytest.mark.parametrize("build", [assessment_results, attestations_bom])
def test_statuses_of_no_release_or_two_releases_are_refused(build: Any) -> None:
    with pytest.raises(ValueError, match="no compliance statuses"):
        build([], assay_version=VERSION)
    other = _iso()
    other = ComplianceStatus(
        other.catalog, Subject("payments-api", "2.5.0", "run_2", "00"), other.controls, ASSESSED
    )
    with pytest.raises(ValueError, match="more than one release"):
        build([_ssdf(), other], assay_version=VERSION)
    with pytest.raises(ValueError, match="framework assessed twice"):
        build([_ssdf(), _ssdf()], assay_version=VERSION)


def test_a_run_outside_a_release_and_ids_that_are_not_oscal_tokens() -> None:
    ssdf = _ssdf()
    control = Control("cra", "1(3)(a)", "Delivered without known exploitable vulnerabilities")
    catalog = Catalog(
        "cra", "EU Cyber Resilience Act Annex I", "2024", "", "OJ L 2024/2847", (control,)
    )
    unreleased = Subject("payments-api", "", "run_01JD9RUN", _digest("evidence-set-2"))
    statuses = [
        ComplianceStatus(ssdf.catalog, unreleased, ssdf.controls, "2026-11-24T08:30:00"),
        ComplianceStatus(
            catalog,
            unreleased,
            (ControlStatus(control, ControlState.SATISFIED, True, (VULNS,)),),
            "2026-11-24T08:30:00Z",
        ),
    ]
    doc = assessment_results(statuses, assay_version=VERSION)
    AssessmentResults.model_validate(doc["assessment-results"])
    assert doc["assessment-results"]["metadata"]["version"] == "run run_01JD9RUN"
    result = doc["assessment-results"]["results"][0]
    assert result["start"] == "2026-11-24T08:30:00+00:00"  # no offset: taken as UTC
    assert result["reviewed-controls"]["control-selections"][1]["include-controls"] == [
        {"control-id": "_1_3__a_"}
    ]
    bom = attestations_bom(statuses, assay_version=VERSION)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(bom)) is None
    assert "version" not in bom["metadata"]["component"]
    assert bom["definitions"]["standards"][1]["requirements"][0]["identifier"] == "1(3)(a)"
