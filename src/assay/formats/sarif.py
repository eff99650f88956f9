"""SARIF 2.1.0 from a vulnerability scan, in the shape GitHub code scanning reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from assay import __version__
from assay.core.scan import Finding, ScanResult, ScanStatus
from assay.core.severity import Bucket
from assay.formats.scan_json import finding_order

__all__ = ["INFORMATION_URI", "SCHEMA_URI", "to_sarif"]

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/assay-dev/assay"
FINGERPRINT = "assayFinding/v1"

_LEVELS = {
    Bucket.CRITICAL: "error",
    Bucket.HIGH: "error",
    Bucket.MEDIUM: "warning",
    Bucket.LOW: "note",
    Bucket.UNKNOWN: "note",
}
# GitHub ranks alerts by security-severity alone; without a CVSS score, a value inside the
# bucket's CVSS band keeps the database's own word. Unknown gets none, so no rank is invented.
_BUCKET_SCORES = {
    Bucket.CRITICAL: 9.5,
    Bucket.HIGH: 8.0,
    Bucket.MEDIUM: 5.5,
    Bucket.LOW: 2.0,
}
_NOT_IN_URIS = frozenset(' "<>\\^`{|}')


def to_sarif(result: ScanResult, *, artifact_uri: str) -> str:
    """A SARIF log with one run; every result points at ``artifact_uri``, line 1.

    ``artifact_uri`` is the path of the lockfile or manifest relative to the project root
    (forward slashes), so GitHub can attach the alerts to that file. Suppressed findings
    are kept as results with an accepted external suppression, which GitHub shows as
    dismissed rather than forgetting them.

    A scan that did not complete gives a run without ``results`` whose invocation failed:
    the schema keeps that array for runs that are "an actual scan", an empty one would mean
    "nothing found", and uploading that would tell GitHub every open alert had been fixed
    (GitHub refuses a run without results instead).
    """
    if not artifact_uri:
        raise ValueError("artifact_uri must name the scanned file")
    uri = quote(artifact_uri, safe="/")
    in_force = sorted(result.findings, key=finding_order)
    suppressed = sorted(result.suppressed, key=finding_order)
    by_rule: dict[str, list[Finding]] = {}
    for finding in sorted([*in_force, *suppressed], key=finding_order):
        by_rule.setdefault(finding.id, []).append(finding)
    rule_ids = sorted(by_rule)
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    results = [_result(f, index[f.id], uri) for f in [*in_force, *suppressed]]
    complete = result.status is ScanStatus.COMPLETE
    invocation: dict[str, Any] = {"executionSuccessful": complete}
    notifications = _notifications(result)
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "assay",
                "informationUri": INFORMATION_URI,
                "version": __version__,
                "rules": [_rule(by_rule[rule_id]) for rule_id in rule_ids],
            }
        },
        "invocations": [invocation],
        "properties": {
            "vulnerabilitySource": result.source,
            "vulnerabilitySnapshot": result.snapshot,
            "scanned": result.scanned,
        },
    }
    if complete:
        run["results"] = results
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def _security_severity(finding: Finding) -> str | None:
    """The value GitHub ranks an alert by: the CVSS score, else the bucket's stand-in."""
    score = finding.score if finding.score is not None else _BUCKET_SCORES.get(finding.severity)
    return None if score is None else f"{score:.1f}"


def _rule(findings: Sequence[Finding]) -> dict[str, Any]:
    """The rule of one vulnerability id, described by its most severe finding."""
    first = findings[0]
    full = first.summary
    if first.aliases:
        full += f" (also known as {', '.join(sorted(first.aliases))})"
    properties: dict[str, Any] = {
        "tags": ["security", "vulnerability", first.severity.value],
    }
    severity = _security_severity(first)
    if severity is not None:
        properties["security-severity"] = severity
    return {
        "id": first.id,
        "name": first.id,
        "shortDescription": {"text": first.summary},
        "fullDescription": {"text": full},
        "helpUri": _help_uri(first),
        "help": {"text": _help_text(findings), "markdown": _help_markdown(findings)},
        "defaultConfiguration": {"level": _LEVELS[first.severity]},
        "properties": properties,
    }


def _result(finding: Finding, rule_index: int, uri: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": _message(finding)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": 1},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: _fingerprint(finding)},
    }
    suppression = finding.suppressed_by
    if suppression is not None:
        data["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": suppression.reason,
                "properties": {
                    "owner": suppression.owner,
                    "expires": suppression.expires.isoformat(),
                },
            }
        ]
    return data


def _message(finding: Finding) -> str:
    return (
        f"{finding.package} {finding.version} is affected by {finding.id} "
        f"({finding.severity.value}): {finding.summary} {_advice(finding)}"
    )


def _advice(finding: Finding) -> str:
    if finding.fixed_in:
        return f"Upgrade {finding.package} to {finding.fixed_in} or later."
    return f"No fixed version of {finding.package} is known."


def _help_text(findings: Sequence[Finding]) -> str:
    first = findings[0]
    lines = [f"{first.id}: {first.summary}"]
    if first.aliases:
        lines.append(f"Aliases: {', '.join(sorted(first.aliases))}")
    lines += [f"{f.package} {f.version}: {_advice(f)}" for f in _distinct(findings)]
    lines += [f"Reference: {url}" for url in first.references]
    return "\n".join(lines)


def _help_markdown(findings: Sequence[Finding]) -> str:
    first = findings[0]
    lines = [f"**{first.id}**: {first.summary}", ""]
    if first.aliases:
        lines += [f"Aliases: {', '.join(sorted(first.aliases))}", ""]
    lines += [f"- `{f.package} {f.version}`: {_advice(f)}" for f in _distinct(findings)]
    links = [url for url in first.references if _is_web_url(url)]
    if links:
        lines += ["", "References:", *(f"- <{url}>" for url in links)]
    return "\n".join(lines)


def _distinct(findings: Iterable[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        seen.setdefault((finding.package, finding.version), finding)
    return [seen[key] for key in sorted(seen)]


def _help_uri(finding: Finding) -> str:
    # The schema wants an absolute URI here; a malformed reference would make the whole
    # log invalid, so the OSV page stands in for it.
    for url in finding.references[:1]:
        if _is_web_url(url):
            return url
    return f"https://osv.dev/vulnerability/{quote(finding.id, safe='')}"


def _is_web_url(url: str) -> bool:
    if not url.isascii() or any(c in _NOT_IN_URIS or not c.isprintable() for c in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _fingerprint(finding: Finding) -> str:
    key = "\0".join((finding.package, finding.version, finding.id))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _notifications(result: ScanResult) -> list[dict[str, Any]]:
    """What a reader of the log must know beyond the results: gaps and stale suppressions."""
    notes: list[dict[str, Any]] = []
    if result.status is not ScanStatus.COMPLETE:
        why = result.reason or "no vulnerability data could be consulted"
        notes.append({"level": "error", "message": {"text": f"The scan did not complete: {why}."}})
    notes += [
        {"level": "warning", "message": {"text": f"{name} has no pinned version: not scanned."}}
        for name in sorted(result.not_scanned)
    ]
    notes += [
        {
            "level": "warning",
            "message": {
                "text": f"The suppression of {s.subject} expired on {s.expires.isoformat()} "
                f"(owner {s.owner}): it no longer applies."
            },
        }
        for s in sorted(result.expired_suppressions, key=lambda s: (s.subject, s.expires))
    ]
    notes += [
        {
            "level": "note",
            "message": {
                "text": f"The suppression of {s.subject} (owner {s.owner}) matches no finding."
            },
        }
        for s in sorted(result.unmatched_suppressions, key=lambda s: (s.subject, s.expires))
    ]
    return notes
