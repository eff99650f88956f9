"""Assay's judgements on real projects and reports that nobody here wrote.

Usage: python bench/eval_real.py [--clones DIR] [--corpus FILE] [--only TEXT] [--verbose]

The corpus (bench/eval_real/reports.json) holds facts only: for each completion report in
a public repository, its repository, commit and path, and for every quantitative claim in
it the line, kind, value and the verdict a careful reader gives with only the repository's
tree (bench/eval_real/README.md says how they were labelled). The reports' text is not
copied here: each repository is read from a local clone, a bare git directory at
DIR/owner+name/repo (the layout the search tool's fetch leaves in /work/.mirror), checked
out at the labelled commit into a temporary folder, and judged there by the same service
`assay claims` uses, with no stored run.

Printed per report: labelled claims, claims extracted (recall), verdicts right among the
extracted ones (accuracy), and wrong "supported" verdicts; then the totals; then the
theater and stub precision per project (bench/eval_theater.py, bench/eval_real/
projects.json). Targets (issue 18): recall >= 0.9, verdict accuracy >= 0.9, zero wrong
"supported", theater precision >= 0.9. A report's "quality 95%" is labelled a score or a
completion figure alike: both kinds have no defined measurement, and they match either.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.core.caller import Caller
from assay.core.claims import ClaimResult, Verdict
from assay.services.claims import check_claims, measurements_for
from assay.services.context import open_context
from assay.settings import load_settings

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "eval_real" / "reports.json"


@dataclass
class Tally:
    labelled: int = 0
    found: int = 0
    correct: int = 0
    wrong_supported: int = 0
    extra: int = 0
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.labelled += other.labelled
        self.found += other.found
        self.correct += other.correct
        self.wrong_supported += other.wrong_supported
        self.extra += other.extra
        self.seconds += other.seconds


def checkout(clones: Path, repo: str, commit: str, into: Path) -> Path:
    """The tree of ``repo`` at ``commit``, from its local bare clone. A snapshot may lack
    its largest blobs; those files are left out (git archive would stop at the first)."""
    git_dir = clones / repo.replace("/", "+") / "repo"
    if not git_dir.is_dir():
        raise SystemExit(f"no local clone of {repo} at {git_dir}: fetch it first")
    git = ["git", f"--git-dir={git_dir}"]
    listing = subprocess.run(
        [*git, "ls-tree", "-r", "-z", commit], capture_output=True, check=True
    ).stdout.split(b"\0")
    entries = []
    for item in listing:
        if not item:
            continue
        meta, name = item.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode != b"120000":
            entries.append((sha, name.decode("utf-8", "surrogateescape")))
    root = into / "tree"
    root.mkdir()
    request = b"".join(sha + b"\n" for sha, _ in entries)
    with subprocess.Popen(
        [*git, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as batch:
        assert batch.stdin and batch.stdout
        stdin = batch.stdin

        def feed() -> None:  # from a thread: git's answers would fill the pipe meanwhile
            stdin.write(request)
            stdin.close()

        writer = threading.Thread(target=feed)
        writer.start()
        for _, name in entries:
            header = batch.stdout.readline().split()
            if len(header) < 3:  # "<sha> missing"
                continue
            data = batch.stdout.read(int(header[2]))
            batch.stdout.read(1)
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        writer.join()
    return root


GENERIC = {"score", "completion"}
"""Figures with no defined measurement: a report's "quality 95%" is labelled either way."""


def _kind(item: Any) -> str:
    kind = item["kind"] if isinstance(item, dict) else item.claim.kind.value
    return "generic" if kind in GENERIC else str(kind)


def match(labels: list[dict[str, Any]], results: list[ClaimResult]) -> list[tuple[Any, Any]]:
    """Each label with the result of the same line and kind (the nearest value), or None;
    then (None, result) for results nobody labelled."""
    left = list(results)
    pairs: list[tuple[Any, Any]] = []
    for label in labels:
        same = [r for r in left if r.claim.line == label["line"] and _kind(r) == _kind(label)]
        if not same:
            pairs.append((label, None))
            continue
        value = label.get("value")
        best = min(
            same,
            key=lambda r: abs((r.claim.value or 0) - (value or 0)) if value is not None else 0,
        )
        left.remove(best)
        pairs.append((label, best))
    return pairs + [(None, r) for r in left]


def judge(report: dict[str, Any], clones: Path) -> Tally:
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="assay-eval-") as temp:
        root = checkout(clones, report["repo"], report["commit"], Path(temp))
        began = time.perf_counter()
        context = open_context(load_settings(root), Caller("eval"))
        path = root / report["path"]
        check = check_claims([path], measurements_for(root, context), root)
        context.close()
        tally.seconds = time.perf_counter() - began
    where = f"{report['repo']}:{report['path']}"
    for label, result in match(report["claims"], list(check.results)):
        if label is None:
            tally.extra += 1
            if result.verdict is Verdict.SUPPORTED:
                tally.misses.append(
                    f"  {where}:{result.claim.line} unlabelled {result.claim.kind.value} "
                    f"{result.claim.value} judged supported: {result.explanation}"
                )
            continue
        tally.labelled += 1
        line = f"{where}:{label['line']} {label['kind']} {label.get('value')}"
        if result is None:
            tally.misses.append(f"  {line}: not extracted")
            continue
        tally.found += 1
        if result.verdict.value == label["verdict"]:
            tally.correct += 1
            continue
        if result.verdict is Verdict.SUPPORTED:
            tally.wrong_supported += 1
        tally.misses.append(
            f"  {line}: {result.verdict.value}, labelled {label['verdict']} "
            f"(measured {label.get('measured')}): {result.explanation}"
        )
    return tally


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clones", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--only", default="", help="only reports whose repo or path has this")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss")
    parser.add_argument(
        "--claims-only", action="store_true", help="skip the theater precision per project"
    )
    args = parser.parse_args()
    corpus = json.loads(args.corpus.read_text(encoding="utf-8"))
    reports = [r for r in corpus["reports"] if args.only in r["repo"] or args.only in r["path"]]
    total = Tally()
    print(f"{'report':58} {'claims':>6} {'recall':>6} {'acc':>6} {'wrong+':>6} {'extra':>5}")
    for report in reports:
        tally = judge(report, args.clones)
        total.add(tally)
        name = f"{report['repo']}:{report['path']}"[-58:]
        print(
            f"{name:58} {tally.labelled:6} {ratio(tally.found, tally.labelled):>6} "
            f"{ratio(tally.correct, tally.found):>6} {tally.wrong_supported:6} {tally.extra:5}"
        )
        if args.verbose and tally.misses:
            print("\n".join(tally.misses))
    python = sum(r.get("language") == "python" for r in reports)
    print(
        f"\n{len(reports)} reports ({python} of Python projects), {total.labelled} labelled "
        f"claims: extraction recall {ratio(total.found, total.labelled)}, verdict accuracy "
        f"{ratio(total.correct, total.found)} (of all labelled: "
        f"{ratio(total.correct, total.labelled)}), wrong supported {total.wrong_supported}, "
        f"unlabelled extractions {total.extra}, {total.seconds:.1f} s judging"
    )
    if not args.claims_only:
        import eval_theater  # imports this module's checkout

        print("\nTheater and stubs on real projects (bench/eval_real/projects.json):")
        eval_theater.report(eval_theater.evaluate(args.clones, eval_theater.CORPUS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
