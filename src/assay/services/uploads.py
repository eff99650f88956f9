"""Runs uploaded by CI: evidence files read by the same readers ``certify`` uses, judged by
the same gates and stored the same way.

An upload holds what CI produced: a CycloneDX SBOM, JUnit XML, coverage (Cobertura XML or
coverage.py JSON), benchmark results (pytest-benchmark JSON) and completion reports
(Markdown, whose claims are checked against the uploaded evidence). Gates whose evidence
was not uploaded are unknown, so a partial upload cannot pass them.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from assay.collectors import results as readers
from assay.core.access import Operation, Target
from assay.core.evidence import EvidenceItem, EvidenceKind, EvidenceRecord
from assay.core.ids import RunId
from assay.errors import UsageError
from assay.formats import cyclonedx_json
from assay.services.access import authorize
from assay.services.claims import MEDIA_TYPE as CLAIMS_MEDIA_TYPE
from assay.services.claims import check_claims, claims_document, measurements_for
from assay.services.context import Context
from assay.services.gates import GatesOutcome, judge_items, load_policy
from assay.services.recording import RunToStore, record_run
from assay.services.steps.tests import results_evidence

__all__ = ["UPLOAD_KINDS", "UploadedFile", "UploadedRun", "record_upload"]

UPLOAD_KINDS = ("sbom", "junit", "coverage", "benchmarks", "report")
"""What an upload may hold, by form field name."""

_PROJECT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


@dataclass(frozen=True)
class UploadedFile:
    kind: str
    """One of UPLOAD_KINDS."""
    name: str
    data: bytes


@dataclass(frozen=True)
class UploadedRun:
    run_id: RunId
    project: str
    records: tuple[EvidenceRecord, ...]
    gates: GatesOutcome


def record_upload(
    ctx: Context,
    actor: str,
    project: str,
    files: Sequence[UploadedFile],
    now: datetime,
    *,
    commit: str | None = None,
) -> UploadedRun:
    """Read, judge and store the uploaded evidence as a new run of ``project``."""
    check_project_name(project)
    if not files:
        raise UsageError(
            "the upload holds no evidence files",
            hint=f"send one or more files in the fields {', '.join(UPLOAD_KINDS)}",
        )
    unknown = sorted({f.kind for f in files} - set(UPLOAD_KINDS))
    if unknown:
        raise UsageError(
            f"unknown evidence field {', '.join(unknown)}",
            hint=f"fields: {', '.join(UPLOAD_KINDS)}",
        )
    if commit is not None and not re.fullmatch(r"[0-9a-f]{7,64}", commit):
        raise UsageError(f"commit {commit!r} is not a hexadecimal git commit id")
    load_policy(ctx)
    authorize(ctx, actor, Operation.CERTIFY, Target(project), now)
    with tempfile.TemporaryDirectory(prefix="assay-upload-") as folder:
        root = Path(folder)
        paths = _write(root, files)
        evidence = _evidence(ctx, root, paths)
    judged = judge_items(ctx, evidence, now.date())
    inputs = sorted(f"{f.kind}:{f.name}:{hashlib.sha256(f.data).hexdigest()}" for f in files)
    to_store = RunToStore(
        project=project,
        root=None,
        commit=commit,
        dirty=False,
        actor=actor,
        started=now,
        inputs_digest=hashlib.sha256("\n".join(inputs).encode()).hexdigest(),
        evidence=evidence,
        judged=judged,
    )
    run_id, records = record_run(ctx, to_store, now)
    return UploadedRun(run_id, project, records, judged)


def check_project_name(name: str) -> None:
    if not _PROJECT.match(name):
        raise UsageError(
            f"invalid project name {name!r}",
            hint="letters, digits, '.', '_' and '-', starting with a letter or digit",
        )


def _write(root: Path, files: Sequence[UploadedFile]) -> dict[str, list[Path]]:
    """Each file under a safe name that keeps its suffix (readers go by it)."""
    paths: dict[str, list[Path]] = {kind: [] for kind in UPLOAD_KINDS}
    for index, file in enumerate(files):
        stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(file.name or file.kind).name)[-100:]
        path = root / f"{index:03d}-{file.kind}-{stem or file.kind}"
        path.write_bytes(file.data)
        paths[file.kind].append(path)
    return paths


def _evidence(ctx: Context, root: Path, paths: dict[str, list[Path]]) -> list[EvidenceItem]:
    junit = [readers.read_junit(p) for p in paths["junit"]]
    coverage = [readers.read_coverage(p) for p in paths["coverage"]]
    benchmarks = [b for p in paths["benchmarks"] for b in readers.read_benchmarks(p)]
    evidence = [_sbom(p) for p in paths["sbom"]]
    evidence += results_evidence(junit, coverage, benchmarks)
    if paths["report"]:
        summaries = {item.kind.value: item.summary for item in evidence}
        measurements = measurements_for(root, ctx, summaries=summaries, source="upload")
        check = check_claims(paths["report"], measurements, root)
        evidence.append(
            EvidenceItem(
                EvidenceKind.CLAIMS,
                CLAIMS_MEDIA_TYPE,
                claims_document(check).encode(),
                check.summary(),
            )
        )
    return evidence


def _sbom(path: Path) -> EvidenceItem:
    """A CycloneDX JSON SBOM, checked for its format and stored as uploaded."""
    name = path.name.split("-", 2)[-1]
    try:
        document: Any = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as exc:  # also bad UTF-8, a 4,300-digit integer
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
        raise UsageError(f"sbom {name} is not JSON: {why}", hint="upload CycloneDX JSON") from exc
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise UsageError(
            f"sbom {name} is not a CycloneDX document (no bomFormat CycloneDX)",
            hint="upload CycloneDX JSON, for example from: assay sbom -C PATH",
        )
    components = document.get("components") or []
    if not isinstance(components, list):
        raise UsageError(f"sbom {name}: 'components' is not a list")
    summary = {
        "components": len(components),
        "format": f"CycloneDX {document.get('specVersion', '?')} JSON",
        "uploaded": True,
    }
    return EvidenceItem(
        EvidenceKind.SBOM_CYCLONEDX, cyclonedx_json.MEDIA_TYPE, path.read_bytes(), summary
    )
