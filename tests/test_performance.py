"""Regression detection on real pytest-benchmark runs: the same code, and a slowed copy."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from assay.collectors.results import read_benchmarks
from assay.core.perf import compare
from conftest import build_venv, run_assay

CODE = """\
def work():
    return sum(i * i for i in range({n}))


def test_work(benchmark):
    assert benchmark(work) > 0
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Benchmark JSON of two runs of the same code and one of a three times slower copy."""
    root = tmp_path_factory.mktemp("perf")
    venv = build_venv(root / "env", ["pytest==8.3.3", "pytest-benchmark==4.0.0"])
    results = {}
    for label, n in (("first", 20_000), ("second", 20_000), ("slowed", 60_000)):
        project = root / label
        project.mkdir()
        (project / "test_work.py").write_text(CODE.format(n=n), encoding="utf-8")
        subprocess.run(
            [
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
            ],
            cwd=project,
            capture_output=True,
            check=True,
            timeout=300,
        )
        results[label] = project / "bench.json"
    return results


@pytest.mark.network
def test_two_runs_of_the_same_code_show_no_regression(runs: dict[str, Path]) -> None:
    result = compare(read_benchmarks(runs["second"]), read_benchmarks(runs["first"]))
    (change,) = result.changes
    assert change.name.endswith("test_work")
    assert result.regressions == (), change
    assert result.overhead is not None and abs(result.overhead) < 0.5


@pytest.mark.network
def test_a_deliberately_slowed_copy_is_a_regression(runs: dict[str, Path]) -> None:
    result = compare(read_benchmarks(runs["slowed"]), read_benchmarks(runs["first"]))
    assert [c.name.split("::")[-1] for c in result.regressions] == ["test_work"]
    assert result.overhead is not None and result.overhead > 1.0  # about three times slower
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
