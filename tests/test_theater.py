"""Theater detection against the labelled corpus in tests/data/theater, and shipped-code rules."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from assay.core.theater import analyse_shipped, analyse_tests

CORPUS = Path(__file__).parent / "data" / "theater"
PRECISION_TARGET = 0.95
RECALL_TARGET = 0.9


def _labels(source: str) -> dict[str, str]:
    """Function name -> label, from the ``# label:`` comment on the line before its def."""
    labels: dict[str, str] = {}
    pending: str | None = None
    for line in source.splitlines():
        mark = re.match(r"\s*# label: (\S+)", line)
        if mark:
            pending = mark.group(1)
            continue
        definition = re.match(r"\s*(?:async\s+)?def (\w+)", line)
        if definition and pending:
            labels[definition.group(1)] = pending
            pending = None
    return labels


def test_the_corpus_is_large_enough_and_balanced() -> None:
    labels = [
        label
        for path in CORPUS.glob("sample_*.py")
        for label in _labels(path.read_text(encoding="utf-8")).values()
    ]
    assert len(labels) >= 40
    honest = labels.count("honest")
    assert abs(honest - (len(labels) - honest)) <= 4
    assert {label for label in labels if label != "honest"} == {
        "TH-T001",
        "TH-T002",
        "TH-T003",
        "TH-T004",
        "TH-T005",
    }


def test_precision_and_recall_on_the_labelled_corpus() -> None:
    true_positive = false_positive = false_negative = wrong_rule = 0
    mistakes: list[str] = []
    for path in sorted(CORPUS.glob("sample_*.py")):
        source = path.read_text(encoding="utf-8")
        found: dict[str, set[str]] = {}
        for finding in analyse_tests(source, str(path)):
            found.setdefault(finding.function, set()).add(finding.rule)
        for function, label in _labels(source).items():
            predicted = found.get(function, set())
            if label == "honest" and predicted:
                false_positive += 1
                mistakes.append(f"{path.name}::{function} honest, flagged {sorted(predicted)}")
            elif label != "honest" and not predicted:
                false_negative += 1
                mistakes.append(f"{path.name}::{function} {label}, not flagged")
            elif label != "honest":
                true_positive += 1
                if label not in predicted:
                    wrong_rule += 1
                    mistakes.append(f"{path.name}::{function} {label}, flagged {sorted(predicted)}")
    precision = true_positive / (true_positive + false_positive)
    recall = true_positive / (true_positive + false_negative)
    # A warning, because the test runs in an xdist worker whose output CI never shows.
    warnings.warn(
        f"theater detection: precision {precision:.3f}, recall {recall:.3f}, "
        f"rule mismatches {wrong_rule}" + ("; " + "; ".join(mistakes) if mistakes else ""),
        stacklevel=1,
    )
    assert precision >= PRECISION_TARGET, mistakes
    assert recall >= RECALL_TARGET, mistakes
    assert wrong_rule == 0, mistakes


def test_each_finding_names_rule_severity_location_and_reason() -> None:
    path = CORPUS / "sample_cart.py"
    findings = analyse_tests(path.read_text(encoding="utf-8"), str(path))
    first = next(f for f in findings if f.function == "test_adding_items_works")
    assert (first.rule, first.severity.value, first.path) == ("TH-T001", "high", str(path))
    assert first.line > 1 and first.message and "\n" not in first.message


SHIPPED = '''
import abc
from typing import Protocol, overload


class Store(Protocol):
    def get(self, key: str) -> str: ...


class Base(abc.ABC):
    @abc.abstractmethod
    def run(self) -> None:
        raise NotImplementedError


def pay(amount):
    """Charge the card."""
    pass  # TODO: call the payment provider


def refund(amount):
    raise NotImplementedError("later")


def compute_coverage(report):
    return 0.95


def measure_latency(samples):
    return sum(samples) / len(samples)


def real(x):
    return x + 1
'''


def test_shipped_stubs_markers_and_constant_measurements_are_found() -> None:
    findings = {(f.rule, f.function or f.line) for f in analyse_shipped(SHIPPED, "shop/pay.py")}
    assert ("TH-S001", "pay") in findings and ("TH-S001", "refund") in findings
    assert ("TH-S003", "compute_coverage") in findings
    assert not {f for f in findings if f[1] in ("get", "run", "measure_latency", "real")}
    assert any(rule == "TH-S002" for rule, _ in findings)


@pytest.mark.parametrize("bad", ["def broken(:\n", "x = (\n"])
def test_unparseable_source_raises_a_syntax_error_naming_the_file(bad: str) -> None:
    with pytest.raises(SyntaxError) as caught:
        analyse_tests(bad, "tests/test_bad.py")
    assert caught.value.filename == "tests/test_bad.py"
