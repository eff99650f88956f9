"""Precision of the theater and stub detector on real public projects.

Usage: python bench/eval_theater.py [--clones DIR] [--corpus FILE] [--verbose]

The corpus (bench/eval_real/projects.json) holds facts only: for each project its repository,
commit and release, and for every finding `assay quality` gave there (rule, path, function,
line) whether a maintainer would agree it is a stub or test theater, with the reason. Each
project is read from its local bare clone (DIR/owner+name/repo, the layout the search tool's
fetch leaves in /work/.mirror), checked out at the labelled commit into a temporary folder
and analysed there by the same service `assay quality` uses. Findings are matched to labels
by rule, path and function (the nearest line among equals), so a line that drifts still
matches; a finding nobody labelled is counted as unlabelled, not as right or wrong.
Only findings the gates count are scored: smoke tests (TH-T006, severity info, a test that
passes unless the code raises) are listed apart by the service and only counted here.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_real import checkout

from assay.services.quality import analyse_tree

CORPUS = Path(__file__).resolve().parent / "eval_real" / "projects.json"


def match(
    labels: list[dict[str, Any]], findings: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each finding with the label of the same rule, path and function at the nearest line
    (each label used once), or None."""
    left = list(labels)
    pairs: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    for finding in findings:
        key = (finding["rule"], finding["path"], finding["function"])
        same = [label for label in left if (label["rule"], label["path"], label["function"]) == key]
        best = min(same, key=lambda label: abs(label["line"] - finding["line"]), default=None)
        if best is not None:
            left.remove(best)
        pairs.append((finding, best))
    return pairs


def evaluate(clones: Path, corpus: Path) -> list[dict[str, Any]]:
    """Per project: findings, labelled true, labelled false, unlabelled, precision."""
    rows = []
    for project in json.loads(corpus.read_text(encoding="utf-8"))["projects"]:
        with tempfile.TemporaryDirectory(prefix="assay-theater-") as temp:
            root = checkout(clones, project["repo"], project["commit"], Path(temp))
            report = analyse_tree(root)
        findings = list(report.theater)  # what the THEATER and PROD-001 gates count
        pairs = match(project["findings"], findings)
        true = [f for f, label in pairs if label is not None and label["label"]]
        false = [(f, label) for f, label in pairs if label is not None and not label["label"]]
        judged = len(true) + len(false)
        rows.append(
            {
                "repo": project["repo"],
                "ref": project["ref"],
                "findings": len(findings),
                "smoke": len(report.smoke_tests),
                "true": len(true),
                "false": len(false),
                "unlabelled": len(pairs) - judged,
                "precision": len(true) / judged if judged else None,
                "false_findings": [
                    f"{f['rule']} {f['path']}:{f['line']} {f['function']}: {label['why']}"
                    for f, label in false
                ],
                "unlabelled_findings": [
                    f"{f['rule']} {f['path']}:{f['line']} {f['function']}"
                    for f, label in pairs
                    if label is None
                ],
            }
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clones", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--verbose", "-v", action="store_true", help="list false and unlabelled")
    args = parser.parse_args()
    report(evaluate(args.clones, args.corpus), verbose=args.verbose)
    return 0


def report(rows: list[dict[str, Any]], *, verbose: bool = False) -> None:
    """Print one line per project and the overall precision."""
    print(
        f"{'project':48} {'found':>5} {'true':>5} {'false':>5} {'unlab':>5} {'prec':>6} "
        f"{'smoke':>5}"
    )
    for row in rows:
        precision = "-" if row["precision"] is None else f"{row['precision']:.3f}"
        name = f"{row['repo']}@{row['ref']}"[-48:]
        print(
            f"{name:48} {row['findings']:5} {row['true']:5} {row['false']:5} "
            f"{row['unlabelled']:5} {precision:>6} {row['smoke']:5}"
        )
        if verbose:
            for line in row["false_findings"]:
                print(f"  false: {line}")
            for line in row["unlabelled_findings"]:
                print(f"  unlabelled: {line}")
    true = sum(row["true"] for row in rows)
    false = sum(row["false"] for row in rows)
    overall = f"{true / (true + false):.3f}" if true + false else "-"
    unlabelled = sum(row["unlabelled"] for row in rows)
    smoke = sum(row["smoke"] for row in rows)
    print(
        f"\n{len(rows)} projects, {true + false + unlabelled} findings: {true} true, "
        f"{false} false, {unlabelled} unlabelled; precision {overall}; {smoke} smoke tests "
        "(info, not scored)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
