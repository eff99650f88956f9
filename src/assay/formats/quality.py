"""The quality report as JSON (evidence) and SARIF 2.1.0 (one result per violation or finding)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any
from urllib.parse import quote

from assay import __version__
from assay.core import poweroften, theater
from assay.core.quality import QualityReport

__all__ = ["MEDIA_TYPE", "to_json", "to_sarif"]

MEDIA_TYPE = "application/vnd.assay.quality+json"
_LEVEL = {"high": "error", "medium": "warning", "low": "note", "info": "note"}


def to_json(report: QualityReport) -> str:
    """The evidence document: what was found, not how it was computed (cache use left out,
    so an unchanged tree gives the same bytes and the same evidence digest)."""
    data = asdict(report)
    del data["cached"]
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"


def to_sarif(report: QualityReport) -> str:
    rules: list[dict[str, Any]] = [
        {
            "id": rule,
            "name": rule,
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": "warning"},
        }
        for rule, text in poweroften.RULES.items()
    ] + [
        {
            "id": rule,
            "name": rule,
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": _LEVEL[severity.value]},
        }
        for rule, (severity, text) in theater.RULES.items()
    ]
    results = [
        _result(v["rule"], "warning", v["message"], v["path"], v["line"]) for v in report.violations
    ] + [
        _result(t["rule"], _LEVEL[t["severity"]], t["message"], t["path"], t["line"])
        for t in (*report.theater, *report.smoke_tests)
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "assay",
                        "version": __version__,
                        "informationUri": "https://github.com/assay-dev/assay",
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, sort_keys=True, allow_nan=False) + "\n"


def _result(rule: str, level: str, message: str, path: str, line: int) -> dict[str, Any]:
    return {
        "ruleId": rule,
        "level": level,
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": quote(path)},
                    "region": {"startLine": max(int(line), 1)},
                }
            }
        ],
    }
