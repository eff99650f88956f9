"""Six Sigma statistics against published values and constructed series."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from assay.core.sixsigma import (
    ControlLimits,
    RuleSet,
    capability,
    dpmo,
    first_pass_yield,
    individuals_limits,
    p_chart,
    rolled_throughput_yield,
    run_rules,
    sigma_level,
    u_chart,
)
from conftest import run_assay


@pytest.mark.parametrize(
    ("defects_per_million", "sigma"),
    # The DPMO to sigma-level table with the 1.5 shift, as every Six Sigma text prints it.
    [(3.4, 6.0), (233, 5.0), (6_210, 4.0), (66_807, 3.0), (308_538, 2.0)],
)
def test_the_dpmo_to_sigma_table(defects_per_million: float, sigma: float) -> None:
    assert sigma_level(defects_per_million) == pytest.approx(sigma, abs=0.005)


def test_dpmo_yield_and_the_shift_are_stated_inputs() -> None:
    assert dpmo(defects=17, units=1_000, opportunities_per_unit=50) == pytest.approx(340.0)
    assert sigma_level(66_807, shift=0) == pytest.approx(1.5, abs=0.005)
    assert sigma_level(0) == math.inf
    assert first_pass_yield(200, 14) == pytest.approx(0.93)
    assert rolled_throughput_yield([0.93, 0.98, 0.99]) == pytest.approx(0.902286)
    with pytest.raises(ValueError):
        sigma_level(1_000_000)


# Montgomery, Introduction to Statistical Quality Control (6th ed.), Example 6.5: the cost
# of processing mortgage loan applications, 20 weeks. Published: x-bar 300.5, MR-bar 7.79,
# individuals limits 279.78 to 321.22, moving-range UCL 25.45.
MORTGAGE = [310, 288, 297, 298, 307, 303, 294, 297, 308, 306,
            294, 299, 297, 299, 314, 295, 293, 306, 301, 304]  # fmt: skip


def test_individuals_and_moving_range_limits_match_montgomery() -> None:
    individuals, moving = individuals_limits(MORTGAGE)
    assert individuals.center == pytest.approx(300.5)
    assert moving.center == pytest.approx(7.79, abs=0.005)
    assert (individuals.lower, individuals.upper) == (
        pytest.approx(279.78, abs=0.01),
        pytest.approx(321.22, abs=0.01),
    )
    assert moving.upper == pytest.approx(25.45, abs=0.01)
    assert run_rules(MORTGAGE, individuals) == []  # Montgomery: the process is in control


def test_capability_matches_the_nist_handbook_example() -> None:
    # NIST/SEMATECH e-Handbook of Statistical Methods, 6.1.6: USL 20, LSL 8, mean 16,
    # sigma 2 give Cp = 1.0 and Cpk = 0.6667. A symmetric sample with that mean and a
    # stated within sigma of 2 reproduces them.
    values = [16 + d for d in (-2, -1, 0, 1, 2)] * 6
    result = capability(values, 8, 20, within_sigma=2.0)
    assert result.cp == pytest.approx(1.0)
    assert result.cpk == pytest.approx(0.6667, abs=0.0001)
    assert result.pp is not None and result.ppk is not None and result.n == 30


def test_capability_is_withheld_when_it_would_mislead() -> None:
    few = capability([1.0, 2.0, 1.5], 0, 3)
    assert few.cp is None and "at least 25" in few.note
    wild = capability([1.0] * 30, 0, 3, in_control=False)
    assert wild.cpk is None and "not in statistical control" in wild.note


def test_p_and_u_limits_follow_each_subgroup_size() -> None:
    limits = p_chart([10, 5, 20], [100, 50, 200])
    assert {round(limit.center, 6) for limit in limits} == {0.1}
    assert limits[0].upper == pytest.approx(0.1 + 3 * math.sqrt(0.09 / 100))
    assert limits[1].upper > limits[0].upper > limits[2].upper  # smaller subgroup, wider
    u = u_chart([4, 9], [2, 3])
    assert u[0].center == pytest.approx(13 / 5)
    assert u[1].upper == pytest.approx(2.6 + 3 * math.sqrt(2.6 / 3))


UNIT = ControlLimits(center=0.0, lower=-3.0, upper=3.0, sigma=1.0)


def _fired(series: list[float], rules: RuleSet = RuleSet.WESTERN_ELECTRIC) -> list[tuple[str, int]]:
    return [(s.rule, s.points[-1]) for s in run_rules(series, UNIT, rules)]


def test_western_electric_rules_fire_exactly_where_built() -> None:
    assert _fired([0, 0.5, -0.5, 3.5, 0]) == [("WE1", 3)]
    assert _fired([0, 2.5, 0, 2.2, 0]) == [("WE2", 3)]
    assert _fired([1.5, 0, 1.2, 1.1, 1.3, -0.5]) == [("WE3", 4)]
    series = [-0.2, 0.3, 0.5, 0.1, 0.2, 0.6, 0.4, 0.3, 0.2, -0.1]
    assert _fired(series) == [("WE4", 8)]


def test_nelson_rules_fire_exactly_where_built() -> None:
    rising = [-0.9, -0.5, -0.2, 0.1, 0.3, 0.6, 0.2]
    assert ("N3", 5) in _fired(rising, RuleSet.NELSON)
    alternating = [0.5 * (-1) ** i for i in range(14)]
    fired = _fired(alternating, RuleSet.NELSON)
    assert ("N4", 13) in fired
    hugging = [0.1 * ((i % 3) - 1) for i in range(15)]
    assert ("N7", 14) in _fired(hugging, RuleSet.NELSON)
    outside = [1.5, -1.6, 1.4, -1.2, 1.3, -1.7, 1.5, -1.4]
    assert ("N8", 7) in _fired(outside, RuleSet.NELSON)
    assert _fired([0.1, -0.2, 0.05], RuleSet.NELSON) == []


def test_the_defect_model_counts_weighted_defects_per_stage() -> None:
    from assay.core.defects import run_quality

    summaries = {
        "tests": {"tests": 200, "passed": 196, "failed": 3, "error": 1},
        "inventory": {"components": 40},
        "vulnerabilities": {"status": "complete", "high": 1, "medium": 2},
        "static-analysis": {"functions": 160, "violations": 4},
    }
    quality = run_quality(summaries)
    assert [s.name for s in quality.stages] == ["tests", "vulnerabilities", "code quality"]
    assert quality.missing == ("claims",)
    assert (quality.opportunities, quality.defects) == (400, 10.0)  # 4 + (1 + 2 x 0.5) + 4
    assert quality.dpmo == pytest.approx(25_000)
    assert quality.sigma == pytest.approx(3.46, abs=0.005)
    assert quality.rolled_throughput_yield == pytest.approx(0.98 * 0.95 * 0.975)


def test_assay_sixsigma_reports_each_run_and_states_its_conventions(
    example_project: Path,
) -> None:
    (example_project / "assay.toml").write_text(
        '[sixsigma]\nshift = 1.5\n\n[sixsigma.spec."static-analysis.compliance"]\nlower = 0.95\n',
        encoding="utf-8",
    )
    for _ in range(3):
        assert run_assay("certify", example_project).code == 1
    report = json.loads(
        next((example_project / ".assay/reports").glob("*/report.json")).read_text()
    )
    (evidence,) = [e for e in report["evidence"] if e["kind"] == "sixsigma"]
    assert evidence["summary"]["shift"] == 1.5 and evidence["summary"]["opportunities"] > 0
    done = run_assay(
        "sixsigma", example_project, "--metric", "static-analysis.compliance", "-f", "json"
    )
    assert done.code == 0, done.err
    document = json.loads(done.out)
    assert len(document["runs"]) == 3 and document["shift"] == 1.5
    assert document["limits"]["center"] == pytest.approx(1.0)
    assert "at least 25" in document["capability"]["note"]  # three runs: no index printed
    charts = example_project / "charts"
    table = run_assay(
        "sixsigma", example_project, "--metric", "static-analysis.compliance", "-o", charts
    )
    assert "sigma levels include a 1.5 shift" in table.out
    names = sorted(p.name for p in charts.iterdir())
    assert names == [
        "dpmo.png",
        "dpmo.svg",
        "report.html",
        "report.md",
        "static-analysis-compliance.png",
        "static-analysis-compliance.svg",
    ]
    first = (charts / "dpmo.svg").read_bytes()
    run_assay("sixsigma", example_project, "--metric", "static-analysis.compliance", "-o", charts)
    assert (charts / "dpmo.svg").read_bytes() == first  # deterministic SVG
    assert "| Run | Started |" in (charts / "report.md").read_text(encoding="utf-8")
    missing = run_assay("sixsigma", example_project, "--metric", "nodot")
    assert missing.code == 2 and "kind.figure" in missing.err


def _points(failures: list[int]):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from assay.core.defects import run_quality
    from assay.core.sixsigma_report import RunPoint

    points = []
    for index, failed in enumerate(failures):
        summaries = {
            "tests": {"tests": 100, "failed": failed, "error": 0, "seconds": 10.0 + index},
            "benchmarks": {"means": {"test_price": 0.010 + 0.0001 * (index % 2)}},
        }
        points.append(
            RunPoint(
                f"run{index:04d}",
                datetime(2026, 11, index + 1, tzinfo=UTC),
                run_quality(summaries),
                summaries,
            )
        )
    return points


def test_defect_rate_charts_name_the_runs_that_signal() -> None:
    from assay.services.sixsigma import _defect_chart

    notes: list[str] = []
    signals = _defect_chart(
        _points([1, 2, 1, 0, 1, 2, 1, 1, 30, 1]), RuleSet.WESTERN_ELECTRIC, notes
    )
    charts = {s.description.split(":")[0] for s in signals if s.rule == "WE1"}
    assert charts == {"u chart, defects per opportunity", "p chart, failed tests"}
    assert all(s.points == (8,) and "run0008" in s.description for s in signals if s.rule == "WE1")
    assert _defect_chart(_points([1, 2]), RuleSet.WESTERN_ELECTRIC, notes) == ()
    assert "a chart needs 3" in notes[-1]


def test_benchmark_and_duration_metrics_are_read_per_run() -> None:
    from assay.services.sixsigma import _metric

    values, runs = _metric(_points([0, 0, 0]), "benchmark:test_price")
    assert values == pytest.approx([0.010, 0.0101, 0.010]) and runs[0] == "run0000"
    durations, _ = _metric(_points([0, 0]), "tests.seconds")
    assert durations == [10.0, 11.0]


def test_an_unknown_vulnerability_scan_adds_no_opportunities() -> None:
    from assay.core.defects import run_quality

    measured = {
        "tests": {"tests": 100, "failed": 1, "error": 0},
        "inventory": {"components": 400},
        "static-analysis": {"functions": 100, "violations": 1},
    }
    for scan in ({"status": "unknown"}, None):
        summaries = dict(measured)
        if scan is not None:
            summaries["vulnerabilities"] = scan
        quality = run_quality(summaries)
        assert [s.name for s in quality.stages] == ["tests", "code quality"]
        assert "vulnerabilities" in quality.missing
        # 400 unchecked components would have cut the DPMO from 10,000 to 3,333.
        assert quality.opportunities == 200 and quality.dpmo == pytest.approx(10_000)


def test_test_theater_and_stubs_are_defects() -> None:
    from assay.core.defects import run_quality

    summaries = {
        "tests": {"tests": 100, "failed": 0, "error": 0},
        "static-analysis": {"functions": 50, "violations": 0},
        "theater": {"theater": 3, "stubs": 1, "test_theater": 2},
    }
    quality = run_quality(summaries)
    by_name = {s.name: s.defects for s in quality.stages}
    assert by_name == {"tests": 2.0, "code quality": 1.0}
    assert quality.defects == 3 and quality.sigma is not None


def _strict(text: str) -> object:
    def refuse(constant: str) -> object:
        raise ValueError(f"{constant} is not JSON (RFC 8259)")

    return json.loads(text, parse_constant=refuse)


def test_a_zero_defect_run_states_its_sigma_level_in_strict_json(tmp_path: Path) -> None:
    project = tmp_path / "calc"
    (project / "calc").mkdir(parents=True)
    (project / "calc" / "__init__.py").write_text(
        '"""Arithmetic."""\n\n\ndef add(a: int, b: int) -> int:\n'
        '    """The sum."""\n    return a + b\n',
        encoding="utf-8",
    )
    (project / "tests").mkdir()
    (project / "tests" / "test_add.py").write_text(
        "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
        encoding="utf-8",
    )
    (project / "build").mkdir()
    (project / "build" / "junit.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
        'tests="1" failures="0" errors="0" skipped="0" time="0.01"><testcase '
        'classname="tests.test_add" name="test_add" time="0.001"/></testsuite></testsuites>\n',
        encoding="utf-8",
    )
    (project / "requirements.txt").write_text("attrs==24.2.0\n", encoding="utf-8")
    (project / "assay.toml").write_text(
        '[tests]\nresults = ["build/junit.xml"]\n', encoding="utf-8"
    )
    assert run_assay("certify", project).code == 1  # not ready: no benchmarks, no SLOs...
    report = next((project / ".assay/reports").glob("*/report.json")).read_text()
    (evidence,) = [e for e in json.loads(report)["evidence"] if e["kind"] == "sixsigma"]
    summary = evidence["summary"]
    assert summary["defects"] == 0 and summary["sigma_level"] is None
    opportunities = summary["opportunities"]
    assert opportunities == 2  # one test, one function; the unscanned inventory adds none
    assert summary["sigma_level_text"] == "above 6 (0 defects in 2 opportunities)"
    done = run_assay("sixsigma", project, "-f", "json")
    assert done.code == 0, done.err
    document = _strict(done.out)
    assert isinstance(document, dict)
    (run,) = document["runs"]
    assert run["sigma_level"] is None
    assert run["sigma_level_text"] == "above 6 (0 defects in 2 opportunities)"
    assert "vulnerabilities" in run["not_measured"]
    _strict(_strict_text(project))


def _strict_text(project: Path) -> str:
    """Every JSON document certify wrote, joined as one JSON array."""
    documents = sorted((project / ".assay").rglob("*.json"))
    return "[" + ",".join(p.read_text(encoding="utf-8") for p in documents) + "]"
