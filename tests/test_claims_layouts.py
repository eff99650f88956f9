"""Claims in the layouts real completion reports use, judged against a tree built here.

The texts are written for these tests; each reproduces a layout seen in public reports
(bench/eval_real lists them): tree diagrams in code blocks, per-file counts, pytest
summary lines, per-row table counts, endpoint and module counts, memory and recovery
figures, sign-off status, and percentages beside their own fractions.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from assay.core.claims import ClaimResult, Verdict
from assay.services.claims import check_claims, measurements_for
from assay.settings import load_settings
from conftest import ctx_of, run_assay


def _tests(count: int, start: int = 0) -> str:
    return "".join(f"def test_{i}():\n    assert {i} == {i}\n\n" for i in range(start, count))


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A small web shop: a package with a known number of lines, routes and tests."""
    root = tmp_path / "shop-project"
    package = root / "shop"
    (package / "api").mkdir(parents=True)
    (root / "tests" / "unit").mkdir(parents=True)
    (package / "__init__.py").write_text('"""Shop."""\n\n__version__ = "1.0"\n', encoding="utf-8")
    (package / "core.py").write_text("".join(f"X{i} = {i}\n" for i in range(145)), "utf-8")
    (package / "models.py").write_text("class Cart:\n    pass\n", encoding="utf-8")
    routes = "".join(
        f"@app.get('/items/{i}')\ndef item_{i}():\n    return {{}}\n\n" for i in range(5)
    )
    (package / "api" / "views.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\n\n" + routes, encoding="utf-8"
    )
    (root / "tests" / "test_api.py").write_text(
        "import pytest\n\n"
        + _tests(12)
        + "@pytest.mark.parametrize('n', [1, 2, 3])\ndef test_many(n):\n    assert n\n\n"
        + "@pytest.fixture\ndef test_data():\n    return 1\n\n"
        + "def test_nested():\n    def test_inner():\n        pass\n    assert test_inner\n",
        encoding="utf-8",
    )
    (root / "tests" / "unit" / "test_cart.py").write_text(
        "class TestCart:\n"
        + "".join(f"    def test_{i}(self):\n        assert 1\n" for i in range(6)),
        encoding="utf-8",
    )
    return root


def _judge(project: Path, text: str) -> dict[int, list[ClaimResult]]:
    report = project / "IMPLEMENTATION_SUMMARY.md"
    report.write_text(text, encoding="utf-8")
    check = check_claims(
        [report], measurements_for(project, ctx_of(load_settings(project))), project
    )
    by_line: dict[int, list[ClaimResult]] = {}
    for result in check.results:
        by_line.setdefault(result.claim.line, []).append(result)
    return by_line


def _verdicts(results: list[ClaimResult]) -> list[str]:
    return [f"{r.claim.kind.value} {r.claim.value:g} {r.verdict.value}" for r in results]


def test_a_tree_diagram_in_a_code_block_is_judged_file_by_file(shop: Path) -> None:
    # Tests in the tree: 12 + test_many (3 cases) + test_nested in test_api.py = 14 functions,
    # 16 cases; 6 in tests/unit. The fixture and the nested function are not tests.
    judged = _judge(
        shop,
        "# Summary\n\n```\nshop-project/\n├── shop/\n│   ├── core.py (145 lines)\n"
        "│   └── models.py (40 lines)\n└── tests/\n    ├── test_api.py (16 tests)\n"
        "    └── unit/\n        └── test_cart.py (9 tests)\n```\n",
    )
    assert _verdicts(judged[6]) == ["line-count 145 supported"]
    assert _verdicts(judged[7]) == ["line-count 40 contradicted"]
    assert _verdicts(judged[9]) == ["test-count 16 supported"]
    assert _verdicts(judged[11]) == ["test-count 9 contradicted"]
    assert "6 test functions" in judged[11][0].explanation


def test_per_file_counts_in_prose_name_their_file(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Done\n\n- `tests/test_api.py` (14 tests)\n- views.py: 5 endpoints\n"
        "- `shop/__init__.py` is 3 lines, and **shop/__init__.py** still is\n",
    )
    assert _verdicts(judged[3]) == ["test-count 14 supported"]
    assert "14 test functions" in judged[3][0].explanation
    assert _verdicts(judged[4]) == ["endpoint-count 5 supported"]
    assert {r.claim.subject for r in judged[5]} == {"shop/__init__.py"}


def test_pytest_summaries_and_fractions_of_passing_tests(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Results\n\n```\nTOTAL: 21 passed, 1 skipped\n```\n\n22/22 tests passing\n\n"
        "Test suite: 30/30 passing\n\n`31 passed in 0.2s`\n",
    )
    # 16 + 6 = 22 cases in the tree; no run exists, so outcomes and pass rates stay
    # unverifiable, but more tests than exist cannot have run.
    assert _verdicts(judged[4]) == ["test-count 22 unverifiable"]
    assert sorted(_verdicts(judged[7])) == ["pass-rate 100 unverifiable", "test-count 22 supported"]
    # 30 tests claimed, 22 in the tree: the count is wrong; whether they pass needs a run.
    assert sorted(_verdicts(judged[9])) == [
        "pass-rate 100 unverifiable",
        "test-count 30 contradicted",
    ]
    assert "test-count 31 contradicted" in _verdicts(judged[11])


def test_table_rows_are_read_with_their_column_and_their_label(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Status\n\n| Component | Tests | Coverage |\n|---|---|---|\n"
        "| Unit | 6 | 85% |\n| Cart | 6 | 90% |\n| Billing Service | 12 | 70% |\n",
    )
    assert "test-count 6 supported" in _verdicts(judged[5])
    assert "coverage 85 unverifiable" in _verdicts(judged[5])
    (cart,) = [r for r in judged[6] if r.claim.kind.value == "test-count"]
    assert cart.claim.subject == "Cart" and cart.verdict is Verdict.SUPPORTED
    # "Billing Service" names nothing in the tree: the count is not judged on the whole tree.
    (billing,) = [r for r in judged[7] if r.claim.kind.value == "test-count"]
    assert billing.verdict is Verdict.UNVERIFIABLE and "Billing Service" in billing.explanation


def test_a_row_label_scopes_a_count_in_a_later_column(shop: Path) -> None:
    (shop / "tests" / "test_billing.py").write_text(_tests(3), encoding="utf-8")
    judged = _judge(
        shop,
        "# Components\n\n| Component | Props | Tests | Status |\n|---|---|---|---|\n"
        "| Cart | 8 | 6+ | done |\n| Billing | 3 | 40+ | done |\n",
    )
    (cart,) = [r for r in judged[5] if r.claim.kind.value == "test-count"]
    assert cart.claim.subject == "Cart" and cart.verdict is Verdict.SUPPORTED
    (billing,) = [r for r in judged[6] if r.claim.kind.value == "test-count"]
    assert billing.verdict is Verdict.CONTRADICTED, billing.explanation
    assert "3 test functions in tests/test_billing.py" in billing.explanation


def test_a_total_counts_the_test_files_the_report_names(shop: Path) -> None:
    (shop / "tests" / "test_other.py").write_text(_tests(30), encoding="utf-8")
    judged = _judge(
        shop,
        "# Fixed\n\nFixed `tests/test_api.py` and `tests/unit/test_cart.py`.\n\n"
        "All 22 tests pass now.\n\nWe now have 25 tests.\n\nThey live in 2 test files.\n\n"
        "That is 15+ tests.\n",
    )
    # 16 + 6 = 22 in the two files named; the tree as a whole holds 52, in 3 test files.
    (total,) = [r for r in judged[5] if r.claim.kind.value == "test-count"]
    assert total.verdict is Verdict.SUPPORTED, total.explanation
    assert "the 2 test files the report names" in total.explanation
    assert _verdicts(judged[7]) == ["test-count 25 contradicted"]
    assert _verdicts(judged[9]) == ["file-count 2 supported"]
    # "At least 15" of the named files' 22: the report's own scope, so judged there.
    assert _verdicts(judged[11]) == ["test-count 15 supported"]


def test_a_pattern_in_a_tree_diagram_drawn_below_the_root(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Layout\n\n```text\napi/\n├── *.py (1 file, 100+ lines)\n└── *.css (2 files)\n```\n",
    )
    # shop/api/ holds views.py, 24 lines long, and no stylesheet.
    assert sorted(_verdicts(judged[5])) == ["file-count 1 supported", "line-count 100 contradicted"]
    assert "shop/api" in judged[5][0].explanation
    assert _verdicts(judged[6]) == ["file-count 2 contradicted"]


def test_endpoint_module_memory_and_recovery_figures(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Delivery\n\nAll 5 REST API endpoints implemented across 4 Python modules in "
        "`shop/`.\n\nMemory usage stays under 256 MB; RTO 4 hours and RPO 15 minutes.\n",
    )
    assert sorted(_verdicts(judged[3])) == [
        "endpoint-count 5 supported",
        "module-count 4 supported",
    ]
    assert sorted(_verdicts(judged[5])) == [
        "memory 256 unverifiable",
        "recovery 15 unverifiable",
        "recovery 240 unverifiable",
    ]


def test_the_reports_own_ticks_never_support_it(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Sign-off\n\nSign-off status: 100% complete (6/6 roles approved)\n\n"
        "- [x] developer\n- [x] qa\n- [x] security\n- [x] tech lead\n- [x] architect\n"
        "- [x] product owner\n",
    )
    verdicts = _verdicts(judged[3])
    assert verdicts and all(v.endswith("unverifiable") for v in verdicts), verdicts
    assert any("sign-offs stored" in r.explanation for r in judged[3])


def test_ticks_judge_only_the_figure_that_introduces_their_checklist(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Status\n\n**Overall: 100% complete**\n\n"  # line 3: the checklists lie far below
        "## Phase 1\n\nPhase 1 checklist (100% done):\n\n"  # line 7: this list is its own
        "- [x] pricing rules\n- [ ] currency rounding\n\n"
        "## Follow-up\n\n- [ ] dashboards\n- [ ] alerts\n",
    )
    assert _verdicts(judged[3]) == ["completion 100 unverifiable"]
    assert _verdicts(judged[7]) == ["completion 100 contradicted"]
    assert "1 of 2 ticked" in judged[7][0].explanation


def test_a_percentage_beside_its_own_fraction_or_a_total_beside_its_parts(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Progress\n\nCompletion: 95% (17/20 tasks)\n\nWe have 40 tests (22 unit, 12 e2e).\n\n"
        "Completion: 85% (17/20 tasks)\n",
    )
    assert _verdicts(judged[3]) == ["completion 95 contradicted"]
    assert "17/20" in judged[3][0].explanation
    (total,) = [r for r in judged[5] if r.claim.value == 40]
    assert total.verdict is Verdict.CONTRADICTED and "22 + 12" in total.explanation
    # Consistent with itself is still not evidence.
    assert _verdicts(judged[7]) == ["completion 85 unverifiable"]


def test_without_a_stored_run_the_trees_result_files_are_read(shop: Path) -> None:
    (shop / "coverage.json").write_text(
        json.dumps({"totals": {"num_statements": 200, "covered_lines": 180}, "files": {}}),
        encoding="utf-8",
    )
    (shop / "junit.xml").write_text(
        '<testsuite name="s" tests="3" failures="1" errors="0" skipped="0">'
        '<testcase classname="t" name="a"/><testcase classname="t" name="b"/>'
        '<testcase classname="t" name="c"><failure message="x"/></testcase></testsuite>',
        encoding="utf-8",
    )
    judged = _judge(shop, "# Report\n\nCoverage: 90%\n\nPass rate: 100%\n")
    assert _verdicts(judged[3]) == ["coverage 90 supported"]
    assert "coverage.json in the tree (no stored run)" in judged[3][0].explanation
    assert _verdicts(judged[5]) == ["pass-rate 100 contradicted"]


def test_test_counts_fall_back_to_the_tree_when_pytest_cannot_collect(shop: Path) -> None:
    # The declared test command cannot import its dependencies here.
    (shop / "tests" / "conftest.py").write_text("import not_installed_anywhere\n", "utf-8")
    (shop / "assay.toml").write_text(
        '[tests]\ncommand = ["python3", "-m", "pytest"]\n', encoding="utf-8"
    )
    judged = _judge(shop, "# Report\n\n22 tests\n")
    assert _verdicts(judged[3]) == ["test-count 22 supported"]
    assert "read from the source (no test run)" in judged[3][0].explanation


def test_a_report_without_claims_measures_nothing_and_answers_quickly(shop: Path) -> None:
    # A declared test command would cost a pytest collection: a report without claims
    # must not pay for it, nor for opening the store or walking the tree.
    (shop / "assay.toml").write_text(
        '[tests]\ncommand = ["python3", "-m", "pytest"]\n', encoding="utf-8"
    )
    report = shop / "README.md"
    report.write_text("# Shop\n\nA small shop. Install it and run it.\n", encoding="utf-8")
    measurements = measurements_for(shop, ctx_of(load_settings(shop)))
    began = time.perf_counter()
    check = check_claims([report], measurements, shop)
    assert time.perf_counter() - began < 2.0
    assert check.results == () and check.evidence_source == "none needed"
    assert measurements._cache == {}
    cli = run_assay("claims", report, "-C", shop)
    assert cli.code == 0 and "no quantitative claim found" in cli.out


def test_a_report_cannot_measure_files_outside_its_project(shop: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside.py"
    secret.write_text("".join(f"line {i}\n" for i in range(7)), encoding="utf-8")
    (shop / "shop" / "link.py").symlink_to(secret)
    judged = _judge(
        shop,
        "# Report\n\n- ../outside.py (7 lines)\n- shop/link.py (7 lines)\n- ../*.py (1 file)\n",
    )
    for line in (3, 4, 5):
        (result,) = judged[line]
        assert result.verdict is not Verdict.SUPPORTED, result
        assert result.measured in (None, 0), result


def test_a_count_beside_the_names_it_counts_is_checked_name_by_name(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Delivery\n\n- 3 modules (core, models, orders)\n- 3 modules (core, models, views)\n"
        "- 3 components (Cart, Checkout, Payment)\n- 4 modules (core, models)\n",
    )
    (three,) = judged[3]
    assert three.verdict is Verdict.CONTRADICTED and "not found: orders" in three.explanation
    (present,) = judged[4]
    assert present.verdict is Verdict.SUPPORTED, present.explanation
    (components,) = judged[5]
    assert components.verdict is Verdict.CONTRADICTED and components.measured == 0
    # The report's own list names two things for four: it contradicts itself.
    (short,) = judged[6]
    assert short.verdict is Verdict.CONTRADICTED and "own list names 2" in short.explanation


def test_a_heading_count_is_measured_on_the_files_listed_under_it(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Files\n\n### Production Code (2 files, ~100+ LOC)\n\n"
        "1. `core.py` - constants\n2. `models.py` - the cart\n\n"
        "### Test Code (2 files)\n\n- `test_api.py`\n- `test_cart.py`\n\n"
        "### Modified Files (1 file)\n\n- `shop/__init__.py`\n\n"
        "### Test Files (1 file)\n\n- `test_api.py`, testing `shop/api/views.py`\n",
    )
    # core.py (145 lines) and models.py (2 lines), found by name; the lines are at least 100.
    assert sorted(_verdicts(judged[3])) == ["file-count 2 supported", "line-count 100 supported"]
    assert "listed under the heading" in judged[3][0].explanation
    assert _verdicts(judged[8]) == ["file-count 2 supported"]
    # Which files were modified is history: the tree cannot say.
    assert _verdicts(judged[13]) == ["file-count 1 unverifiable"]
    # A heading about test files counts the test files it lists, not the code they test.
    assert _verdicts(judged[17]) == ["file-count 1 supported"]


def test_a_named_test_class_is_counted_and_a_missing_one_has_no_tests(shop: Path) -> None:
    (shop / "tests" / "test_pay.py").write_text(
        "class TestPaymentFlow:\n"
        + "".join(f"    def test_{i}(self):\n        assert 1\n" for i in range(2)),
        encoding="utf-8",
    )
    judged = _judge(
        shop,
        "# Tests\n\n- 2 tests for PaymentFlow\n- `TestCheckout` (4 tests)\n"
        "- 3 tests for BillingRules\n",
    )
    assert _verdicts(judged[3]) == ["test-count 2 supported"]
    assert "class TestPaymentFlow" in judged[3][0].explanation
    # The report names a class no test file defines: it has no tests.
    assert _verdicts(judged[4]) == ["test-count 4 contradicted"]
    assert "no test class TestCheckout" in judged[4][0].explanation
    # "for BillingRules" names no class of the tree, and the report never named its class.
    assert _verdicts(judged[5]) == ["test-count 3 unverifiable"]


def test_added_fixed_or_skipped_tests_are_history_or_a_run_not_the_tree(shop: Path) -> None:
    judged = _judge(
        shop,
        "# Changes\n\n- `tests/test_api.py` (+4 tests)\n- Fixed 9 tests\n"
        "- Passing: 22 tests\n\n### Tests skipped in CI (2 tests)\n",
    )
    for line in (3, 4, 5, 7):
        assert [r.verdict for r in judged[line]] == [Verdict.UNVERIFIABLE], judged[line]
    assert "change history" in judged[3][0].explanation
    assert "the run's results" in judged[5][0].explanation


def test_components_are_the_component_files_named_or_in_the_folder(shop: Path) -> None:
    ui = shop / "web" / "ui"
    ui.mkdir(parents=True)
    for name in ("Button.tsx", "Card.tsx", "Card.test.tsx", "Card.stories.tsx", "index.tsx"):
        (ui / name).write_text("export {}\n", encoding="utf-8")
    judged = _judge(
        shop,
        "# UI\n\nBuilt 3 components: `web/ui/Button.tsx`, `web/ui/Card.tsx` and "
        "`web/ui/Badge.tsx`.\n\n- web/ui/: 2 components\n",
    )
    # Badge.tsx was never written: two of the three named components exist.
    assert _verdicts(judged[3]) == ["module-count 3 contradicted"]
    # The folder's components: tests, stories and the index are not components.
    assert _verdicts(judged[5]) == ["module-count 2 supported"]


def test_words_name_the_test_file_that_spells_them(shop: Path) -> None:
    tests = shop / "tests"
    (tests / "test_security_and_edge_cases.py").write_text(_tests(3), encoding="utf-8")
    (tests / "test_auth.py").write_text(_tests(2), encoding="utf-8")
    (tests / "test_flow.py").write_text(
        "class TestIntegration:\n    def test_a(self):\n        assert 1\n", encoding="utf-8"
    )
    judged = _judge(
        shop,
        "# Suites\n\n| Suite | Tests |\n|---|---|\n| Security & Edge Cases | 3 |\n"
        "| Authentication | 2 |\n\nAlso 1 integration test.\n",
    )
    assert "test-count 3 supported" in _verdicts(judged[5])
    assert "test-count 2 supported" in _verdicts(judged[6])
    # No integration folder or file: the class named for the scope holds them.
    assert _verdicts(judged[8]) == ["test-count 1 supported"]


def test_files_of_a_kind_of_tests_are_those_of_its_folder(shop: Path) -> None:
    judged = _judge(shop, "# Test files\n\n- Unit tests: 1 file\n- Unit tests: 3+ files\n")
    assert _verdicts(judged[3]) == ["file-count 1 supported"]
    assert "tests/unit" in judged[3][0].explanation
    assert _verdicts(judged[4]) == ["file-count 3 contradicted"]


def test_precommit_hooks_and_alert_rules_are_counted_from_their_files(shop: Path) -> None:
    (shop / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: a\n  - id: b\n"
        "- repo: https://github.com/astral-sh/ruff-pre-commit\n  rev: v0.6.0\n"
        "  hooks:\n  - id: ruff\n",
        encoding="utf-8",
    )
    (shop / "alerts").mkdir()
    (shop / "alerts" / "rules.yml").write_text(
        "groups:\n- name: api\n  rules:\n"
        "  - alert: HighErrorRate\n    expr: rate(errors_total[5m]) > 1\n"
        "  - alert: Down\n    expr: up == 0\n",
        encoding="utf-8",
    )
    judged = _judge(
        shop, "# Ops\n\n- 3 pre-commit hooks configured\n- 5 alert rules\n- 1 alert group\n"
    )
    assert _verdicts(judged[3]) == ["score 3 supported"]
    assert _verdicts(judged[4]) == ["score 5 contradicted"]
    assert "alerts/rules.yml" in judged[4][0].explanation
    assert _verdicts(judged[5]) == ["score 1 supported"]


def test_counts_in_a_section_about_one_folder_are_of_that_folder(shop: Path) -> None:
    ui = shop / "web" / "cart"
    ui.mkdir(parents=True)
    (ui / "CartView.tsx").write_text("export {}\n", encoding="utf-8")
    (ui / "cart.css").write_text("a {}\n" * 30, encoding="utf-8")
    (ui / "cart.test.tsx").write_text("it('a', () => {});\nit('b', () => {});\n", "utf-8")
    (shop / "web" / "other.css").write_text("b {}\n", encoding="utf-8")
    judged = _judge(
        shop,
        "# UI\n\n## Cart components\n\n- **CartView.tsx** (1 line)\n\n"
        "**CSS**: 100+ lines across 1 stylesheet file\n\n"
        "**Tests**: 1 test file covering 2 test cases\n",
    )
    assert sorted(_verdicts(judged[7])) == ["file-count 1 supported", "line-count 100 contradicted"]
    assert "web/cart" in judged[7][0].explanation
    assert "file-count 1 supported" in _verdicts(judged[9])


def test_a_rows_words_name_one_of_the_files_the_report_lists(shop: Path) -> None:
    (shop / "tests" / "test_health.py").write_text(_tests(4), encoding="utf-8")
    judged = _judge(
        shop,
        "# New tests\n\nFiles: `tests/test_health.py`, `tests/test_api.py`.\n\n"
        "```text\nNew Unit Tests: 20 tests\n"
        "├── Health Checks: 4 tests (12 lines)\n└── Views: 16 tests (900 lines)\n```\n",
    )
    # "Health Checks" is test_health.py, 4 tests in 12 lines.
    assert sorted(_verdicts(judged[7])) == ["line-count 12 supported", "test-count 4 supported"]
    assert all("tests/test_health.py" in r.explanation for r in judged[7])


def test_failures_deselections_and_near_totals_are_not_scoped_to_named_files(
    shop: Path,
) -> None:
    judged = _judge(
        shop,
        "# Reality check\n\nFailing files: `tests/test_api.py`, `tests/unit/test_cart.py`.\n\n"
        "- Cart Tests: 3 failures\n- 5 tests were deselected in the last run\n"
        "- 12 additional tests not tracked\n- Total: 21 tests\n",
    )
    for line in (5, 6, 7):
        assert _verdicts(judged[line])[0].endswith("unverifiable"), judged[line]
    # 21 is near the tree's 22: a total of the whole tree, not of the two files named.
    (total,) = judged[8]
    assert total.verdict is Verdict.CONTRADICTED and "in the tree" in total.explanation
