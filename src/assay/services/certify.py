"""The certify use case: collect evidence, judge the gates, store the run, write the report."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from assay import __version__
from assay.collectors.git import current_user, git_state
from assay.collectors.pyproject import project_name
from assay.core.access import Operation, Target
from assay.core.evidence import EvidenceItem
from assay.core.report import RunReport, StepReport
from assay.errors import UsageError
from assay.files import write_atomically
from assay.formats import report as report_format
from assay.services.access import authorize
from assay.services.context import Context
from assay.services.gates import judge_items, load_policy
from assay.services.recording import RunToStore, record_run
from assay.services.steps import StepContext, available_steps
from assay.settings import VulnerabilitySource
from assay.store.database import ensure_writable

__all__ = ["CertifyResult", "Progress", "certify"]


class Progress(Protocol):
    """Told about each step, so a front end can show progress."""

    def step_started(self, name: str, title: str) -> None: ...

    def step_finished(self, name: str, title: str, seconds: float) -> None: ...


@dataclass(frozen=True)
class CertifyResult:
    report: RunReport
    markdown_path: Path
    json_path: Path


def certify(
    project: Path,
    ctx: Context,
    *,
    python: str | None = None,
    environment: bool = False,
    progress: Progress | None = None,
    author: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    vulnerability_source: VulnerabilitySource | None = None,
) -> CertifyResult:
    """Certify the project at ``project``.

    Every step runs before anything is written, so bad input leaves the store as it was;
    then the run, its evidence and its gate results are stored in one transaction. A store
    that cannot take the run (a mistyped folder, read-only) is refused before the steps.
    ``vulnerability_source`` (else ``[vulnerabilities] source``) says whether the OSV API
    may be asked; unless it says online, certify uses only imported data.
    """
    if not project.is_dir():
        raise UsageError(
            f"no such project folder: {project}",
            hint="pass the folder that holds the project (its pyproject.toml or lock file)",
        )
    load_policy(ctx)  # a policy mistake is reported before any work is done
    actor = author or current_user(project)
    authorize(ctx, actor, Operation.CERTIFY, Target(project_name(project)), clock())
    ensure_writable(
        ctx.settings.store_url, ctx.settings.evidence_dir, make_folder=ctx.settings.default_store
    )
    started = clock()
    context = StepContext(
        project,
        ctx,
        python=python,
        environment=environment,
        vulnerability_source=vulnerability_source,
    )
    evidence: list[EvidenceItem] = []
    inputs: list[str] = []
    steps: list[StepReport] = []
    for step in available_steps():
        if progress:
            progress.step_started(step.name, step.title)
        began = time.perf_counter()
        outcome = step.run(context)
        seconds = time.perf_counter() - began
        if progress:
            progress.step_finished(step.name, step.title, seconds)
        evidence += outcome.evidence
        summaries = context.shared.setdefault("summaries", {})
        summaries.update({item.kind.value: item.summary for item in outcome.evidence})
        inputs += outcome.inputs
        steps.append(StepReport(step.name, step.title, seconds, outcome.notes, outcome.skipped))

    judged = judge_items(ctx, evidence, clock().date())
    gates, outcome_verdict = judged.gates, judged.verdict
    git = git_state(project)
    inputs_digest = hashlib.sha256("\n".join(sorted(inputs)).encode()).hexdigest()
    name = project_name(project)

    finished = clock()
    to_store = RunToStore(
        project=name,
        root=str(project.resolve()),
        commit=git.commit,
        dirty=git.dirty,
        actor=actor,
        started=started,
        inputs_digest=inputs_digest,
        evidence=evidence,
        judged=judged,
    )
    run_id, records = record_run(ctx, to_store, finished)

    report = RunReport(
        run_id=run_id,
        project=name,
        project_root=str(project.resolve()),
        commit=git.commit,
        dirty=git.dirty,
        started_at=started,
        finished_at=finished,
        assay_version=__version__,
        inputs_digest=inputs_digest,
        steps=tuple(steps),
        evidence=records,
        gates=tuple(gates),
        verdict=outcome_verdict,
        policy_digest=judged.policy_digest,
        disabled_gates=judged.disabled,
    )
    folder = ctx.settings.reports_dir / run_id
    folder.mkdir(parents=True, exist_ok=True)
    markdown_path = folder / "report.md"
    json_path = folder / "report.json"
    write_atomically(markdown_path, report_format.to_markdown(report))
    write_atomically(json_path, report_format.to_json(report))
    return CertifyResult(report, markdown_path, json_path)
