"""Monitoring readiness on real layouts, and alert-rule verdicts matched against promtool."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from assay.collectors.alert_rules import check_rule_file
from assay.collectors.monitoring import inspect_monitoring
from assay.core.monitoring import Probe, classify_route, monitoring_problems
from conftest import DATA, TOOLS, run_assay

RULES = DATA / "alert_rules"
RULE_FILES = sorted(RULES.glob("*/*.y*ml"))
PROMTOOL = str(TOOLS / "promtool") if (TOOLS / "promtool").is_file() else shutil.which("promtool")

SERVICE = '''\
"""The quotes service."""

from fastapi import FastAPI
from prometheus_client import Counter, make_asgi_app

from quotes.logs import configure_logging

app = FastAPI(title="quotes")
app.mount("/metrics", make_asgi_app())
QUOTES = Counter("quotes_total", "Quotes priced")
configure_logging()


@app.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/readyz")
def ready() -> dict[str, str]:
    return {"status": "ready"}


@app.get("/quotes/{zone}")
def quote(zone: str) -> dict[str, float]:
    QUOTES.inc()
    return {"price": 4.5}
'''
LOGS = '''\
"""JSON logs."""

import logging

import structlog


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO)
    structlog.configure(processors=[structlog.processors.JSONRenderer()])
'''
ALERTS = """\
groups:
  - name: quotes
    rules:
      - alert: QuotesDown
        expr: up{job="quotes"} == 0
        for: 5m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} is down"
"""
LIBRARY = '''\
"""A command-line tool that converts parcel weights."""

import logging

import typer

app = typer.Typer()
log = logging.getLogger(__name__)


@app.command()
def convert(pounds: float) -> None:
    """Print kilograms."""
    settings = {"unit": "kg"}
    print(pounds * 0.4536, settings.get("unit"))
'''


@pytest.fixture
def service(tmp_path: Path) -> Path:
    root = tmp_path / "service"
    (root / "quotes").mkdir(parents=True)
    (root / "monitoring").mkdir()
    (root / "quotes" / "__init__.py").write_text("", encoding="utf-8")
    (root / "quotes" / "app.py").write_text(SERVICE, encoding="utf-8")
    (root / "quotes" / "logs.py").write_text(LOGS, encoding="utf-8")
    (root / "monitoring" / "alerts.rules.yml").write_text(ALERTS, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "quotes"\nversion = "1.0"\n'
        'dependencies = ["fastapi>=0.115", "prometheus-client>=0.20", "structlog>=24"]\n',
        encoding="utf-8",
    )
    return root


@pytest.fixture
def library(tmp_path: Path) -> Path:
    root = tmp_path / "library"
    (root / "src" / "weights").mkdir(parents=True)
    (root / "src" / "weights" / "__init__.py").write_text("", encoding="utf-8")
    (root / "src" / "weights" / "cli.py").write_text(LIBRARY, encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "weights"\nversion = "0.3"\ndependencies = ["typer>=0.15"]\n',
        encoding="utf-8",
    )
    return root


def test_a_fastapi_service_shows_probes_metrics_rules_and_json_logging(service: Path) -> None:
    facts = inspect_monitoring(service)
    assert facts.probes == {
        "health": ("/healthz (quotes/app.py:14)",),
        "metrics": ("/metrics (quotes/app.py:9)",),
        "readiness": ("/readyz (quotes/app.py:19)",),
    }
    assert facts.instrumentation == ("prometheus-client",)
    assert facts.alert_rule_files == ("monitoring/alerts.rules.yml",)
    assert (facts.alerting_rules, facts.alert_rule_errors) == (1, ())
    assert [s.library for s in facts.structured_logging] == ["structlog"]
    assert facts.logging_configured and facts.serves_http
    assert monitoring_problems(facts) == []

    cli = run_assay("check", "monitoring", service)
    assert cli.code == 0, cli.out + cli.err
    assert "/readyz (quotes/app.py:19)" in cli.out and "structlog" in cli.out


def test_the_certify_step_stores_monitoring_evidence(service: Path) -> None:
    result = run_assay("certify", service)
    assert result.code == 1, result.err  # other gates lack evidence: not ready
    report = json.loads(next((service / ".assay/reports").glob("*/report.json")).read_text())
    (item,) = [e for e in report["evidence"] if e["kind"] == "monitoring"]
    assert item["summary"]["probes"] == ["health", "metrics", "readiness"]
    assert item["summary"]["alert_rules_valid"] is True
    stored = run_assay("evidence", "show", item["id"], "--raw", "-C", service)
    document = json.loads(stored.out)
    assert document["problems"] == [] and document["alerting_rules"] == 1


def test_a_broken_rule_file_fails_the_check_and_names_file_and_line(service: Path) -> None:
    rules = service / "monitoring" / "alerts.rules.yml"
    rules.write_text(ALERTS.replace("for: 5m", "for: 5 minutes"), encoding="utf-8")
    cli = run_assay("check", "monitoring", service, "--json")
    assert cli.code == 1
    (problem,) = json.loads(cli.out)["problems"]
    assert problem.startswith("monitoring/alerts.rules.yml: line 4:")
    assert "not a valid duration" in problem


def test_a_cli_library_has_no_probes_and_the_check_says_so(library: Path) -> None:
    facts = inspect_monitoring(library)
    assert facts.routes == () and not facts.serves_http  # settings.get("unit") is no route
    assert facts.instrumentation == () and facts.structured_logging == ()
    cli = run_assay("check", "monitoring", library)
    assert cli.code == 1
    assert "declares no HTTP routes" in cli.out and "nothing shows whether" in cli.out


def test_flask_and_django_routes_are_recognised(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "flask_app.py").write_text(
        "from flask import Flask\napp = Flask(__name__)\n\n"
        "@app.route('/api/v1/health')\ndef health():\n    return 'ok'\n",
        encoding="utf-8",
    )
    (tmp_path / "web" / "urls.py").write_text(
        "from django.urls import include, path, re_path\nfrom . import views\n"
        "urlpatterns = [\n    path('livez/', views.live),\n"
        "    re_path(r'^ready/$', views.ready),\n"
        "    path('', include('django_prometheus.urls')),\n]\n",
        encoding="utf-8",
    )
    facts = inspect_monitoring(tmp_path)
    assert facts.probes["health"] == (
        "/api/v1/health (web/flask_app.py:4)",
        "/livez/ (web/urls.py:4)",
    )
    assert facts.probes["readiness"] == ("/ready/ (web/urls.py:5)",)
    assert facts.instrumentation == ()  # include() of a URL module is not an import


@pytest.mark.parametrize(
    ("path", "probe"),
    [
        ("/healthz", Probe.HEALTH),
        ("/api/v1/health/", Probe.HEALTH),
        ("/readyz", Probe.READINESS),
        ("/-/ready", Probe.READINESS),
        ("/metrics", Probe.METRICS),
        ("/quotes/{zone}", None),
        ("/health/{component}", Probe.HEALTH),
        ("/healthcare/plans", None),
    ],
)
def test_route_classification(path: str, probe: Probe | None) -> None:
    assert classify_route(path) == probe


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_alert_rule_verdict_matches_the_corpus_label(path: Path) -> None:
    check = check_rule_file(path, RULES).check
    assert check.valid == (path.parent.name == "valid"), check.errors


@pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not found: `make test` fetches it from Debian's prometheus package "
    "(scripts/debian-tools.sh); apt-get was not available here",
)
def test_alert_rule_verdicts_match_promtool() -> None:
    disagreements = []
    for path in RULE_FILES:
        promtool = subprocess.run(
            [str(PROMTOOL), "check", "rules", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert promtool.returncode in (0, 1), promtool.stderr
        ours = check_rule_file(path, RULES).check
        if ours.valid != (promtool.returncode == 0):
            disagreements.append(f"{path.name}: assay {ours.errors} promtool {promtool.stdout}")
    assert len(RULE_FILES) >= 30
    assert disagreements == []
