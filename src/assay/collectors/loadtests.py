"""Load-test results: locust statistics CSV, k6 summary JSON, wrk output, as LoadSummary."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from assay.collectors._files import read_input
from assay.collectors.results import read_locust
from assay.core.slo import LoadSummary

__all__ = ["LOAD_TEST_KINDS", "read_k6", "read_load_test", "read_locust_summary", "read_wrk"]

LOAD_TEST_KINDS = ("locust", "k6", "wrk")
_UNITS_MS = {"us": 0.001, "µs": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def read_load_test(path: Path, kind: str) -> LoadSummary:
    return {"locust": read_locust_summary, "k6": read_k6, "wrk": read_wrk}[kind](path)


def read_locust_summary(path: Path) -> LoadSummary:
    """A locust ``*_stats.csv``: its "Aggregated" row (or the only row)."""
    rows = read_locust(path)
    total = next((r for r in rows if r.name == "Aggregated"), rows[-1] if rows else None)
    if total is None:
        raise read_input(path).corrupt("the statistics CSV has no rows")
    return LoadSummary(
        source=str(path),
        tool="locust",
        requests=total.requests,
        failures=total.failures,
        throughput_rps=total.requests_per_s,
        p50_ms=total.median_ms,
        average_ms=total.average_ms,
        p95_ms=total.p95_ms,
        p99_ms=total.p99_ms,
    )


def read_k6(path: Path) -> LoadSummary:
    """k6's end-of-test summary as JSON: ``--summary-export`` (flat metric values) or
    ``handleSummary`` with ``JSON.stringify(data)`` (values under ``values``). Times in ms."""
    file = read_input(path)
    data = file.json()
    metrics = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(metrics, dict) or "http_req_duration" not in metrics:
        raise file.corrupt("not a k6 summary (no metrics.http_req_duration)")

    def values(name: str) -> dict[str, Any]:
        metric = metrics.get(name)
        if not isinstance(metric, dict):
            return {}
        inner = metric.get("values", metric)
        return inner if isinstance(inner, dict) else {}

    duration, reqs = values("http_req_duration"), values("http_reqs")
    failed = values("http_req_failed")
    state = data.get("state") if isinstance(data.get("state"), dict) else {}
    run_ms = _float(state.get("testRunDurationMs")) if isinstance(state, dict) else None
    requests = _int(reqs.get("count"))
    # http_req_failed is a rate metric: "value" (or "rate") is the share of failed requests.
    rate = _float(failed.get("rate", failed.get("value")))
    return LoadSummary(
        source=str(path),
        tool="k6",
        requests=requests,
        failures=round(rate * requests) if rate is not None and requests is not None else None,
        throughput_rps=_float(reqs.get("rate")),
        p50_ms=_float(duration.get("med")),
        average_ms=_float(duration.get("avg")),
        p95_ms=_float(duration.get("p(95)")),
        p99_ms=_float(duration.get("p(99)")),
        duration_s=round(run_ms / 1000, 3) if run_ms is not None else None,
        error_rate_measured=rate,
    )


# Numbers as wrk prints them: a count, or a decimal; at most 15 digits, so each is exact.
# Lines start with spaces, never \s*: that would read across blank lines from every line
# start, time quadratic in a run of them.
_COUNT = r"(\d{1,15})"
_DECIMAL = r"(\d{1,15}(?:\.\d{1,15})?)"
_WRK_TOTAL = re.compile(rf"^[ \t]*{_COUNT} requests in {_DECIMAL}(us|ms|s|m|h)", re.MULTILINE)
_WRK_RATE = re.compile(rf"^Requests/sec:\s*{_DECIMAL}", re.MULTILINE)
_WRK_PERCENTILE = re.compile(
    rf"^[ \t]*(50|75|90|99)(?:\.0+)?%\s+{_DECIMAL}(us|µs|ms|s|m|h)\s*$", re.MULTILINE
)
_WRK_SOCKET = re.compile(
    rf"Socket errors: connect {_COUNT}, read {_COUNT}, write {_COUNT}, timeout {_COUNT}",
    re.MULTILINE,
)
_WRK_STATUS = re.compile(rf"Non-2xx or 3xx responses: {_COUNT}")


def read_wrk(path: Path) -> LoadSummary:
    """wrk's printed report. Percentiles need ``wrk --latency``; wrk prints 50/75/90/99%,
    so p95 stays unmeasured. Failures are socket errors plus non-2xx/3xx responses."""
    file = read_input(path)
    text = file.text
    total, rate = _WRK_TOTAL.search(text), _WRK_RATE.search(text)
    if not total or not rate:
        raise file.corrupt("not wrk output (no 'N requests in T' and 'Requests/sec:' lines)")
    percentiles = {
        int(m.group(1)): float(m.group(2)) * _UNITS_MS[m.group(3)]
        for m in _WRK_PERCENTILE.finditer(text)
    }
    socket = _WRK_SOCKET.search(text)
    status = _WRK_STATUS.search(text)
    failures = sum(int(n) for n in socket.groups()) if socket else 0
    failures += int(status.group(1)) if status else 0
    return LoadSummary(
        source=str(path),
        tool="wrk",
        requests=int(total.group(1)),
        failures=failures,
        throughput_rps=float(rate.group(1)),
        p50_ms=percentiles.get(50),
        average_ms=_wrk_average(text),
        p95_ms=None,
        p99_ms=percentiles.get(99),
        duration_s=float(total.group(2)) * _UNITS_MS[total.group(3)] / 1000,
    )


_WRK_AVERAGE = re.compile(rf"^[ \t]*Latency\s+{_DECIMAL}(us|µs|ms|s|m|h)\b", re.MULTILINE)


def _wrk_average(text: str) -> float | None:
    match = _WRK_AVERAGE.search(text)
    return float(match.group(1)) * _UNITS_MS[match.group(2)] if match else None


_LARGEST = 2.0**53
"""Larger figures are not exact as floats, and no load test measures them."""


def _float(value: Any) -> float | None:
    """A figure of the summary; None when it is not a number, or not a finite one in range
    (JSON may hold NaN, Infinity and integers of any length)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    if isinstance(value, int) and abs(value) > _LARGEST:
        return None
    number = float(value)
    return number if math.isfinite(number) and abs(number) <= _LARGEST else None


def _int(value: Any) -> int | None:
    number = _float(value)
    return int(number) if number is not None else None
