"""What the project measures, gathered once for all the claims of the reports."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from assay.collectors import results as readers
from assay.collectors._files import relative_path, walk_files
from assay.collectors.claims_report import ReportText
from assay.collectors.test_command import collect_tests
from assay.core.claims import Claim
from assay.core.slo import LoadSummary
from assay.errors import InventoryError
from assay.services.claims.stored import _stored_summaries
from assay.services.context import Context
from assay.settings import Settings

__all__ = ["Measurements"]


@dataclass
class Measurements:
    """What the project measures, gathered on first use and read by every claim: a report
    without claims opens no store, runs no pytest and walks no tree."""

    project: Path
    given: Mapping[str, Mapping[str, Any]] | None
    """Evidence summaries by kind from the caller (certify, an upload); None: read the
    project's newest stored run when a claim needs it."""
    given_source: str = ""
    ctx: Context | None = None
    """The store to read the newest run and release from; None: the tree alone."""
    near: Path | None = None
    """The folder of the report being judged: the files it names are looked for there
    first."""
    report: ReportText | None = None
    """The report being judged, and its claims: the test files it names scope its totals."""
    report_claims: tuple[Claim, ...] = ()
    naming: bool = False
    """Set while the report's own names are resolved: resolving them does not consult them."""
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Settings | None:
        return self.ctx.settings if self.ctx is not None else None

    @property
    def summaries(self) -> Mapping[str, Mapping[str, Any]]:
        return self._stored()[0]

    @property
    def evidence_source(self) -> str:
        return self._stored()[1]

    def _stored(self) -> tuple[Mapping[str, Mapping[str, Any]], str]:
        if self.given is not None:
            return self.given, self.given_source
        ctx = self.ctx
        if ctx is None:
            return {}, "no stored run"
        return cast(
            "tuple[Mapping[str, Mapping[str, Any]], str]",
            self.once("stored", lambda: _stored_summaries(ctx, self.project)),
        )

    def files(self, under: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
        """``walk_files``, each folder walked once for all the claims of the reports."""
        return cast(
            "list[Path]",
            self.once(f"walk:{under}:{suffixes}", lambda: list(walk_files(under, suffixes))),
        )

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @property
    def load(self) -> tuple[LoadSummary, ...]:
        from assay.services.slo import load_results

        return tuple(
            self.once("load", lambda: load_results(readers.discover(self.project), self.project))
        )

    @property
    def collected_tests(self) -> int | None:
        if self.settings is None:
            return None
        command = self.settings.tests.command or []
        return cast(
            "int | None", self.once("collected", lambda: collect_tests(command, self.project))
        )

    def summary(self, kind: str) -> tuple[Mapping[str, Any], str]:
        """The run's summary of an evidence kind, or, without a run, one made from the
        result files in the tree (``coverage.json``, ``junit.xml``)."""
        if kind in self.summaries:
            return self.summaries[kind], f"{kind} evidence of {self.evidence_source}"
        tree = self.once("tree-results", lambda: _tree_summaries(self.project))
        if kind in tree:
            summary, files = tree[kind]
            return summary, f"{', '.join(files)} in the tree (no stored run)"
        return {}, ""


def _tree_summaries(project: Path) -> dict[str, tuple[Mapping[str, Any], list[str]]]:
    """Test and coverage summaries from result files in the tree, as certify makes them."""
    from assay.services.steps.tests import results_evidence

    found = readers.discover(project)
    junit, coverage = [], []
    kept: dict[str, list[str]] = {"tests": [], "coverage": []}
    for path in found["junit"]:
        try:
            junit.append(readers.read_junit(path))
            kept["tests"].append(relative_path(path, project))
        except InventoryError:
            continue
    for path in found["coverage"]:
        try:
            coverage.append(readers.read_coverage(path))
            kept["coverage"].append(relative_path(path, project))
        except InventoryError:
            continue
    return {
        item.kind.value: (item.summary, kept[item.kind.value])
        for item in results_evidence(junit, coverage, [])
    }
