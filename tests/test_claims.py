"""Claims of labelled completion reports, judged against two real projects."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import claims_projects
from assay.collectors.claims_report import parse_report, read_report
from assay.core.claims import ClaimKind, ClaimResult, Verdict, extract_claims
from assay.errors import InventoryError
from assay.services.claims import check_claims, measurements_for
from assay.settings import load_settings
from conftest import DATA, ctx_of, run_assay

CORPUS = DATA / "claims"
REPORTS = sorted(CORPUS.glob("[0-9][0-9]-*.md"))


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("claims")
    (base / "service").mkdir()
    (base / "library").mkdir()
    return {
        "service": claims_projects.build_service(base / "service"),
        "library": claims_projects.build_library(base / "library"),
    }


def _labels(report: Path) -> tuple[str, list[dict[str, object]]]:
    data = json.loads(report.with_suffix(".labels.json").read_text(encoding="utf-8"))
    lines = report.read_text(encoding="utf-8").splitlines()
    labelled = []
    for label in data["claims"]:
        (line,) = [i for i, text in enumerate(lines, 1) if label["quote"] in text]
        labelled.append({**label, "line": line})
    return data["project"], labelled


def _judge(report: Path, project: Path) -> list[ClaimResult]:
    settings = load_settings(project)
    return list(
        check_claims([report], measurements_for(project, ctx_of(settings)), project).results
    )


def _match(labels: list[dict[str, object]], results: list[ClaimResult]):  # type: ignore[no-untyped-def]
    """Pairs of (label, result) for labels found, and the results nobody labelled."""
    left = list(results)
    pairs = []
    for label in labels:
        found = next(
            (
                r
                for r in left
                if r.claim.kind.value == label["kind"]
                and r.claim.line == label["line"]
                and (
                    r.claim.value == label["value"]
                    or (r.claim.value is None and label["value"] is None)
                )
            ),
            None,
        )
        if found is not None:
            left.remove(found)
        pairs.append((label, found))
    return pairs, left


def test_extraction_recall_and_verdict_accuracy(projects: dict[str, Path]) -> None:
    assert len(REPORTS) >= 10
    expected = found = correct = extra = 0
    misses = []
    for report in REPORTS:
        project, labels = _labels(report)
        pairs, unlabelled = _match(labels, _judge(report, projects[project]))
        extra += len(unlabelled)
        for label, result in pairs:
            expected += 1
            if result is None:
                misses.append(f"{report.name}:{label['line']} not extracted: {label}")
                continue
            found += 1
            if result.verdict.value == label["verdict"]:
                correct += 1
            else:
                misses.append(
                    f"{report.name}:{label['line']} {label['kind']} {result.verdict.value}, "
                    f"labelled {label['verdict']}: {result.explanation}"
                )
        misses += [f"{report.name}:{r.claim.line} unlabelled {r.claim}" for r in unlabelled]
    recall, accuracy = found / expected, correct / max(found, 1)
    warnings.warn(
        f"claims: extraction recall {recall:.3f} ({found}/{expected}), verdict accuracy "
        f"{accuracy:.3f}, unlabelled extractions {extra}",
        stacklevel=1,
    )
    print("\n".join(misses))
    assert recall >= 0.9, misses
    assert accuracy >= 0.9, misses


def test_every_claim_kind_has_each_verdict_in_the_corpus(projects: dict[str, Path]) -> None:
    seen: set[tuple[str, str]] = set()
    for report in REPORTS:
        project, labels = _labels(report)
        pairs, _ = _match(labels, _judge(report, projects[project]))
        seen |= {(str(label["kind"]), r.verdict.value) for label, r in pairs if r is not None}
    # A report's own words never support it: these kinds are never "supported" without a
    # stored measurement (sign-offs) or at all (completion, memory, recovery); the newer
    # kinds are covered by test_claims_layouts.py.
    never_supported = {ClaimKind.COMPLETION, ClaimKind.MEMORY, ClaimKind.RECOVERY}
    elsewhere = {ClaimKind.MODULE_COUNT, ClaimKind.SIGNOFF, *never_supported}
    missing = [
        (kind.value, verdict.value)
        for kind in ClaimKind
        for verdict in Verdict
        if kind not in elsewhere
        and (kind.value, verdict.value) not in seen
        # a test count the tree cannot settle: test_claims_layouts.py (a table row's label)
        and (kind, verdict) != (ClaimKind.TEST_COUNT, Verdict.UNVERIFIABLE)
    ]
    assert missing == []
    assert ("completion", "supported") not in seen


def test_the_cli_shows_claimed_and_measured_and_exits_1_on_a_contradiction(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    service = projects["service"]
    cli = run_assay("claims", CORPUS / "07-performance-contradicted.md", "-C", service)
    assert cli.code == 1
    assert "contradicted" in cli.out and "claimed at most 200 ms" not in cli.out
    document = tmp_path / "claims.json"
    saved = run_assay("claims", CORPUS / "09-plan-and-measured.md", "-C", service, "-o", document)
    assert saved.code == 0, saved.out + saved.err
    body = json.loads(document.read_text(encoding="utf-8"))
    assert body["summary"] == {
        "reports": 1,
        "claims": 2,
        "supported": 2,
        "contradicted": 0,
        "unverifiable": 0,
    }
    as_json = run_assay(
        "claims", CORPUS / "07-performance-contradicted.md", "-C", service, "-f", "json"
    )
    (p99,) = [c for c in json.loads(as_json.out)["claims"] if c["qualifier"] == "p99"]
    assert p99["explanation"].startswith("claimed at most 200 ms, measured 250")


def test_certify_judges_declared_reports_for_the_theater_gate(
    projects: dict[str, Path], tmp_path: Path
) -> None:
    import shutil

    project = tmp_path / "service"
    shutil.copytree(projects["service"], project)
    shutil.copy(CORPUS / "07-performance-contradicted.md", project / "SIGNOFF.md")
    with (project / "assay.toml").open("a", encoding="utf-8") as config:
        config.write('\n[claims]\nreports = ["SIGNOFF.md"]\n')
    done = run_assay("certify", project)
    report = json.loads(
        max(
            (project / ".assay/reports").glob("*/report.json"), key=lambda p: p.stat().st_mtime
        ).read_text(encoding="utf-8")
    )
    (claims,) = [e for e in report["evidence"] if e["kind"] == "claims"]
    assert claims["summary"]["contradicted"] == 8 and claims["summary"]["reports"] == 1
    (theater,) = [g for g in report["gates"] if g["id"] == "THEATER"]
    assert theater["status"] == "fail" and "8 claim(s) contradicted" in theater["explanation"]
    assert done.code == 1


def test_a_report_with_no_numbers_has_no_claims() -> None:
    report = parse_report("# Done\n\nEverything went well and the team is happy.\n", "r.md")
    assert extract_claims(report.segments) == []


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "binary file"),
        ("# Rapport\n\nCouverture à 95 %\n".encode("latin-1"), "not UTF-8"),
        (b"# big\n" + b"x" * 10_000_000, "too large"),
    ],
)
def test_files_that_are_not_reports_get_a_clear_error(
    tmp_path: Path, content: bytes, phrase: str
) -> None:
    path = tmp_path / "report.md"
    path.write_bytes(content)
    with pytest.raises(InventoryError) as caught:
        read_report(path)
    assert phrase in caught.value.message
    cli = run_assay("claims", path, "-C", tmp_path)
    assert cli.code == 2 and phrase in cli.err and "Traceback" not in cli.err


def test_a_report_without_numbers_from_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "STATUS.md"
    path.write_text("# Status\n\nAll good, ship it.\n", encoding="utf-8")
    cli = run_assay("claims", path, "-C", tmp_path)
    assert cli.code == 0 and "no quantitative claim found" in cli.out
