"""The ``assay`` command as a user runs it: exit codes, messages, files, the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.settings import load_settings
from assay.store import repositories as repo
from assay.store.database import Store
from conftest import LOCKFILES, run_assay


def _row_counts(project: Path, url: str | None = None) -> dict[str, int]:
    settings = load_settings(project, store={"url": url} if url else None)
    store = Store.open(settings.store_url, settings.evidence_dir)
    try:
        with store.transaction() as session:
            return repo.count_rows(session)
    finally:
        store.close()


def _assert_one_line_error(result_err: str, *phrases: str) -> None:
    """One ``error:`` line then one ``hint:`` line, last on stderr (progress may precede)."""
    lines = [line for line in result_err.splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert len(errors) == 1, result_err
    assert lines[errors[0] + 1].startswith("hint: "), result_err
    assert len(lines) == errors[0] + 2, result_err
    assert "Traceback" not in result_err
    for phrase in phrases:
        assert phrase in lines[errors[0]]


def test_certify_stores_the_run_and_writes_both_reports(
    store_url: str, example_project: Path
) -> None:
    result = run_assay("certify", example_project, "--store", store_url)
    assert result.code == 1, result.err  # gates without evidence are unknown: not ready
    assert "NOT READY" in result.out
    assert "unknown" in result.out
    report_json = next((example_project / ".assay" / "reports").glob("*/report.json"))
    report = json.loads(report_json.read_text(encoding="utf-8"))
    assert report["verdict"] == "not ready"
    statuses = {g["id"]: g["status"] for g in report["gates"]}
    # Measured gates are judged; the rest lack evidence and fail closed as unknown.
    assert statuses["PROD-004"] == "pass" and statuses["PROD-007"] == "fail"
    assert {statuses[g] for g in ("PROD-001", "PROD-002", "PROD-003", "PROD-005")} == {"unknown"}
    assert [g["id"] for g in report["gates"]][:2] == ["PROD-001", "PROD-002"]
    kinds = {e["kind"]: e for e in report["evidence"]}
    assert set(kinds) == {
        "inventory",
        "sbom.cyclonedx",
        "vulnerabilities",
        "static-analysis",
        "theater",
        "secrets",
        "documentation",
        "monitoring",
        "claims",
        "sixsigma",
    }
    assert kinds["inventory"]["summary"]["components"] == 13
    # No database imported and no network here: unknown, never "no vulnerabilities".
    assert kinds["vulnerabilities"]["summary"]["status"] == "unknown"
    markdown = report_json.with_name("report.md").read_text(encoding="utf-8")
    assert "**Verdict: NOT READY**" in markdown and "| PROD-003 | security | UNKNOWN |" in markdown
    assert _row_counts(example_project, store_url) == {"projects": 1, "runs": 1, "evidence": 10}

    runs = run_assay("runs", "-C", example_project, "--store", store_url)
    assert runs.code == 0 and report["run"]["id"][:8] in runs.out

    evidence_id = kinds["sbom.cyclonedx"]["id"]
    shown = run_assay(
        "evidence", "show", evidence_id[:8], "-C", example_project, "--store", store_url
    )
    assert shown.code == 0, shown.err
    assert kinds["sbom.cyclonedx"]["sha256"] in shown.out
    raw = run_assay(
        "evidence",
        "show",
        kinds["sbom.cyclonedx"]["sha256"],
        "--raw",
        "-C",
        example_project,
        "--store",
        store_url,
    )
    assert json.loads(raw.out)["bomFormat"] == "CycloneDX"


def test_certify_evidence_is_stable_for_an_unchanged_project(example_project: Path) -> None:
    first = run_assay("certify", example_project)
    second = run_assay("certify", example_project)
    assert first.code == second.code == 1
    reports = sorted((example_project / ".assay" / "reports").glob("*/report.json"))
    digests = [
        {e["kind"]: e["sha256"] for e in json.loads(p.read_text(encoding="utf-8"))["evidence"]}
        for p in reports
    ]
    assert len(digests) == 2 and digests[0] == digests[1]
    inputs = {json.loads(p.read_text(encoding="utf-8"))["run"]["inputs_digest"] for p in reports}
    assert len(inputs) == 1


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    for command in ("sbom", "certify"):
        result = run_assay(command, tmp_path / "nowhere")
        assert result.code == 2
        _assert_one_line_error(result.err, "nowhere")


def test_corrupt_lockfile_fails_cleanly_and_writes_nothing(
    store_url: str, example_project: Path
) -> None:
    assert run_assay("certify", example_project, "--store", store_url).code == 1
    before = _row_counts(example_project, store_url)
    (example_project / "uv.lock").write_text("version = 1\n[[package]\nname=", encoding="utf-8")
    result = run_assay("certify", example_project, "--store", store_url)
    assert result.code == 2
    _assert_one_line_error(result.err, "uv.lock", "is not valid TOML")
    assert _row_counts(example_project, store_url) == before
    assert len(list((example_project / ".assay" / "reports").iterdir())) == 1


def test_interpreter_that_is_not_one_is_a_usage_error(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho hello\n", encoding="utf-8")
    fake.chmod(0o755)
    result = run_assay("sbom", tmp_path, "--python", fake)
    assert result.code == 2
    _assert_one_line_error(result.err, "is not a Python interpreter")
    result = run_assay("certify", tmp_path, "--python", "/etc/hostname")
    assert result.code == 2
    _assert_one_line_error(result.err, "is not a Python interpreter")
    assert not (tmp_path / ".assay").exists()


def test_a_file_of_unknown_kind_is_refused_with_the_kinds_that_work(tmp_path: Path) -> None:
    other = tmp_path / "notes.md"
    other.write_text("# notes\n", encoding="utf-8")
    result = run_assay("sbom", other)
    assert result.code == 2
    _assert_one_line_error(result.err, "notes.md is not a dependency file")


def test_an_empty_folder_says_what_would_work(tmp_path: Path) -> None:
    result = run_assay("sbom", tmp_path)
    assert result.code == 2
    _assert_one_line_error(result.err, "found no dependency information")


def test_bad_store_url_is_a_usage_error(example_project: Path) -> None:
    result = run_assay("certify", example_project, "--store", "nonsense://")
    assert result.code == 2
    assert "Traceback" not in result.err


def test_unreachable_store_is_an_environment_problem(example_project: Path) -> None:
    result = run_assay("certify", example_project, "--store", "postgresql://x@127.0.0.1:1/none")
    assert result.code == 3
    _assert_one_line_error(result.err, "cannot use the store")


def test_sbom_writes_the_file_and_reports_unpinned_lines_on_stderr(tmp_path: Path) -> None:
    target = tmp_path / "out" / "sbom.json"
    result = run_assay("sbom", LOCKFILES / "pyproject-only" / "pyproject.toml", "-o", target)
    assert result.code == 0, result.err
    assert result.out == ""
    assert "attrs is not pinned" in result.err
    assert json.loads(target.read_text(encoding="utf-8"))["bomFormat"] == "CycloneDX"


def test_sbom_validate_flag_checks_the_schema() -> None:
    result = run_assay("sbom", LOCKFILES / "pipenv" / "Pipfile.lock", "--validate")
    assert result.code == 0, result.err


def test_unknown_evidence_is_reported_not_crashed(example_project: Path) -> None:
    assert run_assay("certify", example_project).code == 1
    result = run_assay("evidence", "show", "deadbeef", "-C", example_project)
    assert result.code == 2
    _assert_one_line_error(result.err, "no evidence matches")


@pytest.mark.parametrize("args", [["--help"], ["sbom", "--help"], ["certify", "--help"]])
def test_help_is_available(args: list[str]) -> None:
    result = run_assay(*args)
    assert result.code == 0 and "Usage" in result.out


def test_invalid_assay_toml_is_reported(example_project: Path) -> None:
    (example_project / "assay.toml").write_text("[store\nurl=1", encoding="utf-8")
    result = run_assay("certify", example_project)
    assert result.code == 2
    _assert_one_line_error(result.err, "assay.toml is not valid TOML")


def test_assay_toml_store_dir_is_honoured(example_project: Path) -> None:
    (example_project / "assay.toml").write_text('[store]\ndir = "state"\n', encoding="utf-8")
    assert run_assay("certify", example_project).code == 1
    assert (example_project / "state" / "assay.db").is_file()
    assert not (example_project / ".assay").exists()


def test_store_location_comes_from_assay_environment_variables(
    example_project: Path, tmp_path: Path
) -> None:
    state = tmp_path / "elsewhere"
    url = f"sqlite:///{tmp_path / 'db' / 'runs.db'}"
    (tmp_path / "db").mkdir()  # Assay creates only its own state folder
    result = run_assay(
        "certify", example_project, env={"ASSAY_STORE_URL": url, "ASSAY_STORE_DIR": str(state)}
    )
    assert result.code == 1, result.err
    assert (tmp_path / "db" / "runs.db").is_file()
    assert list((state / "reports").glob("*/report.json"))
    assert not (example_project / ".assay").exists()
    assert _row_counts(example_project, url)["runs"] == 1


def test_flag_wins_over_environment_variable(example_project: Path, tmp_path: Path) -> None:
    flag_url = f"sqlite:///{tmp_path / 'flag.db'}"
    env_url = f"sqlite:///{tmp_path / 'env.db'}"
    result = run_assay(
        "certify", example_project, "--store", flag_url, env={"ASSAY_STORE_URL": env_url}
    )
    assert result.code == 1, result.err
    assert (tmp_path / "flag.db").is_file() and not (tmp_path / "env.db").exists()


def test_reading_commands_do_not_create_a_store(tmp_path: Path) -> None:
    listed = run_assay("runs", "-C", tmp_path)
    assert listed.code == 0 and "No runs yet" in listed.out
    shown = run_assay("evidence", "show", "abcdef", "-C", tmp_path)
    assert shown.code == 2
    _assert_one_line_error(shown.err, "no Assay store at")
    assert not (tmp_path / ".assay").exists()


def test_certify_without_a_lock_file_judges_what_it_can_and_stores_the_run(
    tmp_path: Path,
) -> None:
    (tmp_path / "README.md").write_text("# Notes\n\nNo code and no dependencies yet.\n")
    result = run_assay("certify", tmp_path)
    assert result.code == 1, result.err  # not ready, judged; not a usage error
    assert "NOT READY" in result.out
    (path,) = (tmp_path / ".assay" / "reports").glob("*/report.json")
    report = json.loads(path.read_text(encoding="utf-8"))
    (inventory,) = [e for e in report["evidence"] if e["kind"] == "inventory"]
    assert inventory["summary"]["status"] == "unknown"
    assert "found no dependency information" in inventory["summary"]["reason"]
    gates = {g["id"]: g for g in report["gates"]}
    assert gates["PROD-003"]["status"] == "unknown"
    assert "no dependency inventory to check" in gates["PROD-003"]["explanation"]
    assert gates["PROD-004"]["status"] == "unknown"
    assert "no Python files to analyse" in gates["PROD-004"]["explanation"]
    # The gates that do not need the inventory are judged as usual.
    assert gates["PROD-008"]["status"] == "fail" and gates["THEATER"]["status"] == "pass"
    stored = run_assay("gates", tmp_path, "--json")
    assert stored.code == 1 and json.loads(stored.out)["verdict"] == "not ready"
