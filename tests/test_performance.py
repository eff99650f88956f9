"""Regression detection on real pytest-benchmark runs: the same code, and a slowed copy."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from assay.collectors.results import read_benchmarks
from assay.core.perf import compare
from conftest import TOOL_PACKAGES, run_assay, shared_venv

CODE = """\
def work():
    return sum(i * i for i in range({n}))


def test_work(benchmark):
    assert benchmark(work) > 0
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Benchmark JSON of two runs of the same code and one of a three times slower copy.

    The two runs of the same code run at the same time: a shared machine's speed drifts
    by 10% and more over minutes (seen in CI), and runs made one after the other then
    differ by more than any noise within each run shows."""
    root = tmp_path_factory.mktemp("perf")
    venv = shared_venv(tmp_path_factory, TOOL_PACKAGES)
    results = {}
    for group in ((("first", 20_000), ("second", 20_000)), (("slowed", 60_000),)):
        started = []
        for label, n in group:
            project = root / label
            project.mkdir()
            (project / "test_work.py").write_text(CODE.format(n=n), encoding="utf-8")
            started.append(
                subprocess.Popen(
                    _benchmark_command(venv),
                    cwd=project,
                    text=True,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )
            )
            results[label] = project / "bench.json"
        for process in started:
            out, _ = process.communicate(timeout=300)
            assert process.returncode == 0, out
    return results


def _benchmark_command(venv: Path) -> list[str]:
    return [
        str(venv / "bin" / "python"),
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--benchmark-json=bench.json",
        "--benchmark-min-rounds=30",
        "--benchmark-disable-gc",
        "--benchmark-warmup=on",
        # CPU time of the process: other work on a shared CI machine barely moves it.
        "--benchmark-timer=time.process_time",
    ]


@pytest.mark.network
def test_two_runs_of_the_same_code_show_no_regression(runs: dict[str, Path]) -> None:
    result = compare(read_benchmarks(runs["second"]), read_benchmarks(runs["first"]))
    (change,) = result.changes
    assert change.name.endswith("test_work")
    assert result.regressions == (), change
    assert result.regression is not None and result.regression <= 0.047  # PROD-002's limit
    assert result.overhead is not None and abs(result.overhead) < 0.5


@pytest.mark.network
def test_a_deliberately_slowed_copy_is_a_regression(runs: dict[str, Path]) -> None:
    result = compare(read_benchmarks(runs["slowed"]), read_benchmarks(runs["first"]))
    assert [c.name.split("::")[-1] for c in result.regressions] == ["test_work"]
    assert result.overhead is not None and result.overhead > 1.0  # about three times slower
    assert result.regression == result.overhead
    cli = run_assay("check", "performance", runs["slowed"], "--baseline", runs["first"])
    assert cli.code == 1 and json.loads(cli.out)["regressions"]
    same = run_assay("check", "performance", runs["second"], "--baseline", runs["first"])
    assert same.code == 0, same.out


def test_a_change_inside_the_noise_is_not_a_regression(tmp_path: Path) -> None:
    def write(name: str, mean: float, stddev: float) -> Path:
        path = tmp_path / name
        path.write_text(
            json.dumps(
                {"benchmarks": [{"name": "b", "mean": mean, "stddev": stddev, "rounds": 5}]}
            ),
            encoding="utf-8",
        )
        return path

    noisy = compare(
        read_benchmarks(write("a.json", 1.12, 0.2)), read_benchmarks(write("b.json", 1.0, 0.2))
    )
    assert noisy.regressions == () and noisy.changes[0].noise > 0.12
    tight = compare(
        read_benchmarks(write("c.json", 1.12, 0.001)), read_benchmarks(write("d.json", 1.0, 0.001))
    )
    assert [c.name for c in tight.regressions] == ["b"]
    tiny = compare(
        read_benchmarks(write("e.json", 1.03, 0.0)), read_benchmarks(write("f.json", 1.0, 0.0))
    )
    assert tiny.regressions == ()  # under the 5% floor, however tight


def _latest_report(project: Path) -> dict[str, Any]:
    newest = max(
        (project / ".assay/reports").glob("*/report.json"), key=lambda p: p.stat().st_mtime
    )
    report: dict[str, Any] = json.loads(newest.read_text(encoding="utf-8"))
    return report


@pytest.mark.network
def test_certify_compares_benchmarks_with_the_marked_baseline_run(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    project = tmp_path / "timed"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "timed"\nversion = "1.0"\n', encoding="utf-8"
    )
    shutil.copy(runs["first"], project / "benchmark.json")
    assert run_assay("certify", project).code == 1
    first = _latest_report(project)
    step = next(s for s in first["steps"] if s["name"] == "performance")
    assert "no baseline run" in step["skipped"]

    marked = run_assay("runs", "baseline", first["run"]["id"], "-C", project)
    assert marked.code == 0 and "is now the performance baseline" in marked.out, marked.err
    assert f"{first['run']['id']} *" in run_assay("runs", "-C", project).out

    shutil.copy(runs["slowed"], project / "benchmark.json")
    assert run_assay("certify", project).code == 1
    (evidence,) = [e for e in _latest_report(project)["evidence"] if e["kind"] == "performance"]
    assert evidence["summary"]["baseline_run"] == first["run"]["id"]
    assert evidence["summary"]["regressions"] == 1
    assert evidence["summary"]["overhead_percent"] > 100  # about three times slower

    slowed = run_assay("check", "performance", project)
    assert slowed.code == 1 and json.loads(slowed.out)["baseline_run"] == first["run"]["id"]
    shutil.copy(runs["second"], project / "benchmark.json")
    same = run_assay("check", "performance", project)
    assert same.code == 0 and json.loads(same.out)["regressions"] == [], same.out


def test_baseline_mistakes_are_explained(example_project: Path) -> None:
    (example_project / "benchmark.json").write_text(
        json.dumps({"benchmarks": [{"name": "b", "mean": 1.0}]}), encoding="utf-8"
    )
    none = run_assay("check", "performance", example_project)
    assert none.code == 2 and "no baseline for shipping-quotes" in none.err
    assert "assay runs baseline" in none.err
    (example_project / "benchmark.json").unlink()
    assert run_assay("certify", example_project).code == 1
    run_id = _latest_report(example_project)["run"]["id"]
    refused = run_assay("runs", "baseline", run_id, "-C", example_project)
    assert refused.code == 2 and "holds no benchmark results" in refused.err
    unknown = run_assay("runs", "baseline", "ffff0000", "-C", example_project)
    assert unknown.code == 2 and "no run matches" in unknown.err
