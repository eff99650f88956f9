"""Every default gate on real evidence: pass, fail, waived, expired waiver, unknown.

A real project that passes every gate is certified once; for each gate a copy is broken
the way a real project breaks it and certified again. Waivers are then judged against the
stored evidence of the broken run, and unknown comes from a run without that evidence.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest

import ready_project
from assay.core.gates import GateStatus
from assay.core.policy import DEFAULT_POLICY, EvidenceView, Policy, evaluate_policy
from assay.errors import PolicyError
from assay.services.gates import judge_stored_run, load_policy
from assay.settings import WaiverSettings, load_settings
from conftest import ctx_of, run_assay

TODAY = date.today()


def _replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        text = (root / path).read_text(encoding="utf-8")
        assert old in text
        (root / path).write_text(text.replace(old, new), encoding="utf-8")

    return change


def _write(path: str, text: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")

    return change


# How a real project fails each gate, and a phrase the explanation must contain.
BREAKS: dict[str, tuple[Callable[[Path], None], str]] = {
    "PROD-001": (
        _write("tests/test_rounding.py", "def test_cents():\n    assert 0.1 + 0.2 == 0.3\n"),
        "1 of 4 tests failed",
    ),
    "PROD-002": (_write("benchmark.json", ready_project.benchmark(0.0060)), "regressed"),
    "PROD-003": (
        _write("src/ledger/settings.py", '"""Settings."""\nAWS_KEY = "AKIAZ7Q4PLMN3XW5RT2K"\n'),
        "secret(s) in force",
    ),
    "PROD-004": (
        _write(
            "src/ledger/walk.py",
            '"""Walking accounts."""\n\n\ndef depth(tree: dict) -> int:\n'
            '    """Depth of a nested account tree."""\n'
            "    return 1 + max((depth(c) for c in tree.values()), default=0)\n",
        ),
        "comply",
    ),
    "PROD-005": (
        _replace("tests/integration/test_month_end.py", "== total", "== total + 1"),
        "integration tests: 1 failed",
    ),
    "PROD-006": (_replace("assay.toml", "p95_ms = 50", "p95_ms = 1"), "miss"),
    "PROD-007": (_write("README.md", "# ledger\n\nLedger arithmetic.\n"), "README has"),
    "PROD-008": (_replace("monitoring/alerts.rules.yml", "for: 5m", "for: 5 minutes"), "problem"),
    "THEATER": (
        _write(
            "tests/test_smoke.py",
            "from ledger.book import post\n\n\n"
            "def test_post():\n    print(post([], 'a', 'b', 1))\n",
        ),
        "test-theater",
    ),
}


@pytest.fixture(scope="module")
def passing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """The project certified twice (the first run marked as the benchmark baseline)."""
    root = tmp_path_factory.mktemp("gates") / "ledger"
    root.mkdir()
    ready_project.build(root)
    first = ready_project.certify(root)
    run = first["run"]
    assert isinstance(run, dict)
    marked = run_assay("runs", "baseline", run["id"], "-C", root)
    assert marked.code == 0, marked.err
    return root, ready_project.certify(root)


def _copy(root: Path, target: Path) -> Path:
    shutil.copytree(root, target)
    shutil.copytree(root.parent / f"{root.name}-keys", target.parent / f"{target.name}-keys")
    return target


def _statuses(report: dict[str, object]) -> dict[str, dict[str, object]]:
    gates = report["gates"]
    assert isinstance(gates, list)
    return {g["id"]: g for g in gates}


def test_the_ready_project_passes_every_gate(passing: tuple[Path, dict[str, object]]) -> None:
    _, report = passing
    statuses = {gate: g["status"] for gate, g in _statuses(report).items()}
    assert statuses == {g.spec.id: "pass" for g in DEFAULT_POLICY.gates}
    (claims,) = [e for e in report["evidence"] if e["kind"] == "claims"]  # type: ignore[union-attr]
    assert claims["summary"]["supported"] == 5 and claims["summary"]["reports"] == 1
    assert report["verdict"] == "ready"


@pytest.mark.parametrize("gate", sorted(BREAKS))
def test_each_gate_fails_is_waived_expires_and_fails_closed(
    gate: str, passing: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    root, good = passing
    variant = _copy(root, tmp_path / "ledger")
    change, phrase = BREAKS[gate]
    change(variant)
    report = ready_project.certify(variant)
    failed = _statuses(report)[gate]
    assert failed["status"] == "fail", failed
    assert phrase in str(failed["explanation"]), failed
    assert failed["evidence"], "a failing gate names the evidence it read"
    assert report["verdict"] == "not ready"

    settings = load_settings(variant)
    reason = "accepted for one sprint"
    active = WaiverSettings(gate=gate, owner="qa lead", reason=reason, expires=TODAY)
    settings.gates.waivers = [active]
    waived = {r.gate.id: r for r in judge_stored_run(ctx_of(settings), variant, TODAY).gates}[gate]
    assert waived.status is GateStatus.WAIVED and waived.judged is GateStatus.FAIL
    assert waived.waiver is not None and "qa lead" in waived.explanation

    expired = active.model_copy(update={"expires": TODAY - timedelta(days=1)})
    settings.gates.waivers = [expired]
    outcome = judge_stored_run(ctx_of(settings), variant, TODAY)
    lapsed = {r.gate.id: r for r in outcome.gates}[gate]
    assert lapsed.status is GateStatus.FAIL and len(lapsed.expired_waivers) == 1
    assert "expired on" in lapsed.explanation and outcome.verdict.value == "not ready"

    # Unknown: the passing run's real evidence without the kinds this gate reads.
    spec = next(g.spec for g in DEFAULT_POLICY.gates if g.spec.id == gate)
    views = [
        EvidenceView(e["kind"], e["sha256"], e["summary"])
        for e in good["evidence"]  # type: ignore[union-attr]
        if e["kind"] not in spec.needs
    ]
    (unknown,) = [r for r in evaluate_policy(DEFAULT_POLICY, views, TODAY) if r.gate.id == gate]
    assert unknown.status is GateStatus.UNKNOWN and "no " in unknown.explanation


def test_ambiguous_evidence_fails_closed() -> None:
    views = [
        EvidenceView("secrets", "a" * 64, {"findings": 0}),
        EvidenceView("secrets", "b" * 64, {"findings": 3}),
        EvidenceView("vulnerabilities", "c" * 64, {"status": "complete", "high": "two"}),
    ]
    results = evaluate_policy(DEFAULT_POLICY, views, TODAY)
    (security,) = [r for r in results if r.gate.id == "PROD-003"]
    assert security.status is GateStatus.UNKNOWN
    assert "not a number" in security.explanation and "ambiguous" in security.explanation


def test_every_failing_gate_is_reported_at_once(passing: tuple[Path, dict[str, object]]) -> None:
    root, _ = passing
    gates = run_assay("gates", root, "--json")
    assert gates.code == 0, gates.out + gates.err
    views = [EvidenceView("tests", "d" * 64, {"tests": 4, "failed": 1})]
    results = evaluate_policy(DEFAULT_POLICY, views, TODAY)
    assert len(results) == len(DEFAULT_POLICY.gates)
    assert [r.status.value for r in results].count("fail") == 1


def test_thresholds_custom_gates_and_switching_off_come_from_assay_toml(
    passing: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    root, _ = passing
    variant = _copy(root, tmp_path / "ledger")
    config = (variant / "assay.toml").read_text(encoding="utf-8")
    metric = '{check = "metric", evidence = "tests", field = "tests", min = 3}'
    config += f"""
[gates.PROD-004]
min_compliance = 1.0

[gates.PROD-006]
enabled = false
reason = "a library: no service to load-test"

[[gates.custom]]
id = "COV-001"
title = "tests and coverage"
any_of = [
  {{check = "metric", evidence = "coverage", field = "line_rate", min = 0.9}},
  {{all_of = [{{check = "tests-pass"}}, {metric}]}},
]
"""
    (variant / "assay.toml").write_text(config, encoding="utf-8")
    cli = run_assay("gates", variant, "--json")
    document = json.loads(cli.out)
    by_id = {g["id"]: g for g in document["gates"]}
    assert "PROD-006" not in by_id
    assert document["policy"]["disabled"] == [
        {"gate": "PROD-006", "reason": "a library: no service to load-test"}
    ]
    assert by_id["PROD-004"]["threshold"] == ">= 100%"
    assert by_id["COV-001"]["status"] == "pass"  # no coverage evidence, but the tests branch holds
    assert cli.code == 0, cli.out


@pytest.mark.parametrize(
    ("config", "phrase"),
    [
        ("[gates.PROD-099]\nx = 1\n", "no such gate"),
        ("[gates.PROD-004]\nmin_coverage = 1\n", "unknown setting min_coverage"),
        ("[gates.PROD-006]\nenabled = false\n", "needs a reason"),
        ('[[gates.custom]]\nid = "X"\ntitle = "x"\ncheck = "nope"\n', "unknown check 'nope'"),
        ('[[gates.custom]]\nid = "X"\ntitle = "x"\nall_of = []\n', "non-empty list"),
        (
            '[[gates.waivers]]\ngate = "PROD-404"\nowner = "a"\nreason = "b"\n'
            "expires = 2030-01-01\n",
            "does not have",
        ),
    ],
)
def test_policy_mistakes_are_explained_before_any_work(
    tmp_path: Path, config: str, phrase: str
) -> None:
    (tmp_path / "assay.toml").write_text(config, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(ctx_of(load_settings(tmp_path)))
    assert phrase in caught.value.message
    cli = run_assay("certify", tmp_path)
    assert cli.code == 2 and phrase in cli.err
    assert not (tmp_path / ".assay").exists()  # nothing was collected or stored


def test_the_policy_digest_changes_with_the_policy() -> None:
    waived = Policy(DEFAULT_POLICY.gates, ())
    assert waived.digest() == DEFAULT_POLICY.digest()
    assert Policy(DEFAULT_POLICY.gates[:-1]).digest() != DEFAULT_POLICY.digest()
