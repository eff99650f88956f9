"""Monitoring readiness: which routes are probes, and what PROD-008 can rely on."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = [
    "LoggingSetup",
    "MonitoringFacts",
    "Probe",
    "Route",
    "classify_route",
    "monitoring_problems",
]


class Probe(enum.StrEnum):
    HEALTH = "health"
    """Liveness: the process answers."""
    READINESS = "readiness"
    """The service can take traffic (its dependencies answer)."""
    METRICS = "metrics"


# The last path segment decides; the names are the ones Kubernetes, Spring, and the
# common Python health-check libraries use.
_PROBES: tuple[tuple[Probe, re.Pattern[str]], ...] = (
    (Probe.READINESS, re.compile(r"(?i)^(readyz?|readiness|ready-?check)$")),
    (Probe.HEALTH, re.compile(r"(?i)^(healthz?|health-?check|livez?|liveness|ping|alive|status)$")),
    (Probe.METRICS, re.compile(r"(?i)^metrics$")),
)


@dataclass(frozen=True)
class Route:
    """An HTTP route declared in the code or in an OpenAPI document."""

    path: str
    source: str
    """``file:line`` of the declaration, or the OpenAPI document."""
    framework: str


@dataclass(frozen=True)
class LoggingSetup:
    library: str
    """structlog, python-json-logger, loguru (serialize=True), a JSON formatter..."""
    source: str


@dataclass(frozen=True)
class MonitoringFacts:
    """What a project declares for monitoring."""

    routes: tuple[Route, ...]
    probes: dict[str, tuple[str, ...]]
    """Probe kind -> routes that serve it."""
    instrumentation: tuple[str, ...]
    """Instrumentation libraries imported or declared (prometheus-client, OpenTelemetry...)."""
    alert_rule_files: tuple[str, ...]
    alerting_rules: int
    recording_rules: int
    alert_rule_errors: tuple[str, ...]
    """``file: problem`` for every problem in every rule file."""
    structured_logging: tuple[LoggingSetup, ...]
    logging_configured: bool
    serves_http: bool


def classify_route(path: str) -> Probe | None:
    """The probe a route path serves, judged by its last segment (``/api/v1/healthz``)."""
    segments = [s for s in re.split(r"[/]+", path.strip()) if s and not s.startswith("{")]
    if not segments:
        return None
    last = segments[-1].strip("^$")
    for probe, pattern in _PROBES:
        if pattern.match(last):
            return probe
    return None


def monitoring_problems(facts: MonitoringFacts) -> list[str]:
    """What falls short of PROD-008: invalid rule files, or nothing to watch the service by."""
    problems = list(facts.alert_rule_errors)
    has_endpoints = bool(facts.probes.get(Probe.HEALTH.value)) and (
        bool(facts.probes.get(Probe.METRICS.value)) or bool(facts.instrumentation)
    )
    if not has_endpoints and not facts.alert_rule_files:
        problems.append(
            "no health endpoint with metrics, and no alert rules: nothing shows whether "
            "the service is up"
        )
    return problems
