"""Documentation evidence on real project layouts: a FastAPI service and a CLI library."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

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


# --- the product's own documentation: README for newcomers, the reference in docs/ ---------

DOCS = ROOT / "docs"
CLI_REFERENCE = DOCS / "cli.md"
CONFIGURATION = DOCS / "configuration.md"
README_MAX_LINES = 150


def _prose(markdown: str) -> str:
    """The text outside fenced code blocks, whose ``#`` lines are comments, not headings."""
    return re.sub(r"^ *```.*?^ *```[^\n]*$", "", markdown, flags=re.M | re.S)


def _headings(markdown: str) -> list[tuple[int, str, int]]:
    """(level, text, offset) of every heading outside code blocks."""
    prose = _prose(markdown)
    return [
        (len(m.group(1)), m.group(2).strip(), m.start())
        for m in re.finditer(r"^(#{1,6}) (.+)$", prose, flags=re.M)
    ]


def _anchors(markdown: str) -> set[str]:
    """The fragment ids GitHub gives the headings: lower case, punctuation dropped, spaces
    as hyphens, and -1, -2... on repeats."""
    anchors: set[str] = set()
    repeats: dict[str, int] = {}
    for _, text, _ in _headings(markdown):
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        repeats[slug] = repeats.get(slug, 0) + 1
        anchors.add(slug if repeats[slug] == 1 else f"{slug}-{repeats[slug] - 1}")
    return anchors


def _command_tree() -> dict[str, Any]:
    """Every command and subcommand of ``assay`` by its full path ("assay vulndb import")."""
    import typer.main

    from assay.cli.main import app

    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        found[path] = command
        for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "assay")
    del found["assay"]
    return found


def _section(markdown: str, heading: str) -> str | None:
    """The text under ``heading`` down to the next heading of the same or a higher level."""
    headings = _headings(markdown)
    prose = _prose(markdown)
    for i, (level, text, start) in enumerate(headings):
        if text == heading:
            end = next((s for lv, _, s in headings[i + 1 :] if lv <= level), len(prose))
            return prose[start:end]
    return None


def _settings_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every key an assay.toml can hold, dotted from the top of the file; a table of named
    tables (``[sixsigma.ctq.NAME]``) is written with ``NAME``."""
    keys = []
    for name, field in model.model_fields.items():
        key = prefix + (field.alias or name)
        inner = _settings_model(field.annotation)
        if inner is None:
            keys.append(key)
            continue
        nested, named = inner
        if named or typing.get_origin(field.annotation) is list:
            keys.append(key)  # the table itself: an array of tables, or a table of tables
        keys.extend(_settings_keys(nested, f"{key}.NAME." if named else f"{key}."))
    return keys


def _settings_model(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    """The settings model a field holds, and whether it holds it by name (a dict)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is dict and len(args) == 2:
        inner = _settings_model(args[1])
        return (inner[0], True) if inner else None
    for arg in args:  # list[Model], Model | None
        inner = _settings_model(arg)
        if inner:
            return inner
    return None


def _documented_keys() -> set[str]:
    """The keys of docs/configuration.md: the first cell of a table row, in backticks (the
    rows of environment variables, in capitals, are not keys)."""
    text = CONFIGURATION.read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z][\w.-]*)` \|", text, flags=re.M))


def test_the_readme_is_short_enough_for_a_newcomer() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) < README_MAX_LINES, (
        f"README.md has {len(lines)} lines: move reference material to docs/"
    )


def test_every_relative_link_in_the_readme_and_docs_points_to_something_that_exists() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        prose = re.sub(r"`[^`\n]*`", "", _prose(text))
        for target in re.findall(r"\]\(([^)\s]+)\)", prose):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, fragment = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif (
                fragment
                and linked.suffix == ".md"
                and fragment not in _anchors(linked.read_text(encoding="utf-8"))
            ):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []


def test_every_command_is_documented_in_the_cli_reference() -> None:
    text = CLI_REFERENCE.read_text(encoding="utf-8")
    headed = {t.strip("`") for _, t, _ in _headings(text) if re.fullmatch(r"`assay [^`]+`", t)}
    commands = set(_command_tree())
    assert sorted(commands - headed) == [], "commands without a heading in docs/cli.md"
    assert sorted(headed - commands) == [], "headings in docs/cli.md for no command"


def test_every_option_of_a_command_is_in_its_section_of_the_cli_reference() -> None:
    text = CLI_REFERENCE.read_text(encoding="utf-8")
    missing = []
    for path, command in _command_tree().items():
        section = _section(text, f"`{path}`") or ""
        for param in command.params:
            if param.param_type_name != "option":
                continue
            for name in (*param.opts, *param.secondary_opts):
                if name == "--help" or not name.startswith("--"):
                    continue
                if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", section):
                    missing.append(f"{path} {name}")
    assert missing == [], "options missing from their command's section of docs/cli.md"


def test_every_assay_toml_key_is_documented() -> None:
    from assay.core.policy import DEFAULT_POLICY, accepted_params
    from assay.settings import Settings

    keys = set(_settings_keys(Settings))
    # Thresholds of the default gates: [gates.PROD-002] max_regression_percent = 3.
    keys |= {
        f"gates.{gate.spec.id}.{param}"
        for gate in DEFAULT_POLICY.gates
        for param in accepted_params(gate.condition)
    }
    assert {"store.url", "server.rate_limit_per_minute", "sixsigma.ctq.NAME.defects"} <= keys
    documented = _documented_keys()
    assert sorted(keys - documented) == [], "assay.toml keys missing from docs/configuration.md"
    # The keys of [gates] that the policy reads from free-form tables, not settings fields.
    free_form = {"gates.GATE.enabled", "gates.GATE.reason"} | {
        f"gates.custom.{k}" for k in ("id", "title", "passes_when", "check", "all_of", "any_of")
    }
    assert sorted(documented - keys - free_form) == [], "documented keys Assay does not read"
