"""Documentation evidence on real project layouts: a FastAPI service and a CLI library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assay.collectors.docs import inspect_docs
from conftest import ROOT, run_assay

SERVICE = '''\
"""The quotes service."""

from fastapi import FastAPI

app = FastAPI(title="quotes", version="1.0.0")


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness probe."""
    return {"status": "ok"}


@app.get("/quotes/{zone}")
def quote(zone: str, weight_kg: float) -> dict[str, float]:
    """Price a parcel."""
    return {"price": 4.5 + weight_kg}
'''
README = """# quotes

Prices parcels by zone and weight. It is a small FastAPI service that answers in JSON.

## Install

    pip install quotes

## Usage

    uvicorn quotes.app:app

## Configuration

Set QUOTES_RATES to a rates file; the defaults cover domestic, europe and world zones.
"""


@pytest.fixture
def service(tmp_path: Path) -> Path:
    root = tmp_path / "service"
    (root / "quotes").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "quotes" / "__init__.py").write_text('"""Quotes."""\n', encoding="utf-8")
    (root / "quotes" / "app.py").write_text(SERVICE, encoding="utf-8")
    (root / "README.md").write_text(README, encoding="utf-8")
    (root / "CHANGELOG.md").write_text("# Changelog\n\n## 1.0.0\n- first\n", encoding="utf-8")
    (root / "docs" / "api.md").write_text("# API\n", encoding="utf-8")
    # The OpenAPI document as FastAPI itself writes it for this app.
    exported = subprocess.run(
        [sys.executable, "-c", "import json, quotes.app as m; print(json.dumps(m.app.openapi()))"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    (root / "openapi.json").write_text(exported.stdout, encoding="utf-8")
    (root / "requirements.txt").write_text("fastapi==0.115.0\n", encoding="utf-8")
    return root


def test_a_documented_fastapi_service_has_complete_documentation_evidence(service: Path) -> None:
    report = inspect_docs(service)
    assert report.readme == "README.md" and report.readme_words > 40
    assert {"Install", "Usage"} <= set(report.readme_sections)
    assert report.changelog == "CHANGELOG.md" and report.docs_files == 1
    assert report.serves_http and report.http_frameworks == ("fastapi",)
    assert (report.openapi, report.openapi_errors) == ("openapi.json", ())
    assert report.openapi_version and report.openapi_version.startswith("3.")
    assert report.docstring_coverage == 1.0
    result = run_assay("check", "docs", service)
    assert result.code == 0 and json.loads(result.out)["openapi"] == "openapi.json"


def test_an_invalid_openapi_document_is_reported_with_the_reason(service: Path) -> None:
    spec = json.loads((service / "openapi.json").read_text(encoding="utf-8"))
    del spec["info"]
    (service / "openapi.json").write_text(json.dumps(spec), encoding="utf-8")
    report = inspect_docs(service)
    # jsonschema quotes the name with ' or " depending on its version
    assert [e.replace('"', "'") for e in report.openapi_errors] == ["'info' is a required property"]
    assert run_assay("check", "docs", service).code == 1


def test_a_service_without_an_openapi_document_is_flagged(service: Path) -> None:
    (service / "openapi.json").unlink()
    assert run_assay("check", "docs", service).code == 1


def test_a_cli_library_reports_its_undocumented_public_api(tmp_path: Path) -> None:
    root = tmp_path / "tool"
    (root / "src" / "tool").mkdir(parents=True)
    (root / "src" / "tool" / "__init__.py").write_text('"""A tool."""\n', encoding="utf-8")
    (root / "src" / "tool" / "cli.py").write_text(
        "import argparse\n\n\ndef main(argv=None):\n    parser = argparse.ArgumentParser()\n"
        '    return parser.parse_args(argv)\n\n\nclass Runner:\n    """Runs things."""\n\n'
        "    def run(self):\n        return 0\n\n    def _helper(self):\n        return 1\n",
        encoding="utf-8",
    )
    (root / "tests").mkdir()
    (root / "tests" / "test_cli.py").write_text(
        "def test_x():\n    assert True\n", encoding="utf-8"
    )
    (root / "README.md").write_text("# tool\n", encoding="utf-8")
    report = inspect_docs(root)
    assert not report.serves_http and report.openapi is None and report.changelog is None
    assert set(report.undocumented) == {
        "src/tool/cli.py:module",
        "src/tool/cli.py:main",
        "src/tool/cli.py:Runner.run",
    }
    assert report.public_objects == 5 and report.documented == 2
    assert run_assay("check", "docs", root).code == 0


def test_certify_stores_documentation_evidence(service: Path) -> None:
    result = run_assay("certify", service)
    assert result.code == 1, result.err
    report = json.loads(next((service / ".assay/reports").glob("*/report.json")).read_text("utf-8"))
    docs = next(e for e in report["evidence"] if e["kind"] == "documentation")
    assert docs["summary"]["openapi_valid"] is True
    assert docs["summary"]["docstring_coverage"] == 1.0


def test_security_md_lists_the_permission_table_every_operation_checks() -> None:
    from assay.core.access import PERMISSIONS, Role

    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    for operation, allowed in PERMISSIONS.items():
        row = f"| `{operation.value}` | " + " | ".join(
            "yes" if role in allowed else "" for role in Role
        )
        assert row + " |" in text, f"SECURITY.md is out of date for {operation.value}"
