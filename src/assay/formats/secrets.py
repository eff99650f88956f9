"""The JSON document of a secrets check."""

from __future__ import annotations

import json
from dataclasses import asdict

from assay.core.secrets import SecretsResult

__all__ = ["to_json"]


def to_json(result: SecretsResult) -> str:
    """The evidence document: rule, place, fingerprint and redaction; no value, ever."""
    body = {
        "history": result.history,
        "findings": [asdict(f) for f in result.findings],
        "test_fixtures": [asdict(f) for f in result.test_fixtures],
        "fail_on_test_fixtures": result.fail_on_test_fixtures,
        "allowed": [asdict(f) for f in result.allowed],
        "expired_allowances": [
            {**asdict(a), "expires": a.expires.isoformat()} for a in result.expired
        ],
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"
