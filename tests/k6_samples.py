"""k6 summaries for tests: k6 is not in Debian's packages nor on PyPI or npm, so these two
are written to the shapes the k6 documentation gives: --summary-export (flat values;
http_req_failed's "value" is the failed share) and handleSummary's JSON.stringify(data)
(values nested)."""

from __future__ import annotations

K6_EXPORT = {
    "state": {"isStdOutTTY": False, "isStdErrTTY": False, "testRunDurationMs": 30021.4},
    "metrics": {
        "http_req_duration": {
            "avg": 144.56,
            "min": 104.11,
            "med": 110.47,
            "max": 1140.0,
            "p(90)": 203.54,
            "p(95)": 215.95,
        },
        "http_reqs": {"count": 180, "rate": 4.36938},
        "http_req_failed": {"passes": 0, "fails": 180, "value": 0},
    },
}
K6_HANDLE_SUMMARY = {
    "state": {"testRunDurationMs": 60000},
    "metrics": {
        "http_req_duration": {
            "type": "trend",
            "contains": "time",
            "values": {"avg": 90.1, "med": 80.2, "p(95)": 180.5, "p(99)": 410.0},
        },
        "http_reqs": {
            "type": "counter",
            "contains": "default",
            "values": {"count": 12000, "rate": 200.0},
        },
        "http_req_failed": {"type": "rate", "contains": "default", "values": {"rate": 0.025}},
    },
}
