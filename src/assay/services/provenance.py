"""SLSA Provenance v1 for built artifacts, signed as a DSSE envelope of an in-toto statement.

Times come from ``SOURCE_DATE_EPOCH`` when it is set, and the invocation id from the
subjects and the commit, so the same build gives a byte-identical document.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assay import __version__
from assay.collectors._files import relative_path, walk_files
from assay.collectors.detect import lockfile_candidates
from assay.collectors.git import git_state
from assay.collectors.pyproject import project_name
from assay.errors import UsageError
from assay.files import write_atomically
from assay.services.signing import Passphrase, signing_key, trusted_keys
from assay.services.verify import (
    PROVENANCE_PREDICATE,
    Verified,
    read_envelope,
    verify_envelope,
)
from assay.settings import Settings
from assay.signing.dsse import VerificationFailure, sign_statement, statement
from assay.signing.keys import key_id

__all__ = [
    "BUILDER_ID",
    "BUILD_TYPE",
    "PROVENANCE_PREDICATE",
    "ProvenanceCheck",
    "ProvenanceResult",
    "check_project_provenance",
    "provenance_statement",
    "write_provenance",
]

BUILD_TYPE = "https://assay.dev/provenance/local-build/v1"
BUILDER_ID = "https://assay.dev/builder/cli/v1"


@dataclass(frozen=True)
class ProvenanceResult:
    path: Path
    subjects: tuple[tuple[str, str], ...]
    """(name, sha256) of each artifact."""
    key_id: str


def provenance_statement(
    project: Path, artifacts: list[Path], *, now: datetime | None = None
) -> dict[str, Any]:
    """The unsigned in-toto statement with a SLSA Provenance v1 predicate."""
    if not artifacts:
        raise UsageError("no artifacts given", hint="pass the built files: assay provenance dist/*")
    subjects = []
    for artifact in artifacts:
        if not artifact.is_file():
            raise UsageError(
                f"no such artifact: {artifact}", hint="build first, then pass the built files"
            )
        subjects.append({"name": artifact.name, "digest": {"sha256": _sha256(artifact)}})
    names = [s["name"] for s in subjects]
    if len(set(names)) != len(names):
        raise UsageError("two artifacts have the same file name", hint="pass each file once")
    git = git_state(project)
    candidates = lockfile_candidates(project)
    locks = [(relative_path(path, project), _sha256(path)) for _, path in candidates]
    lockfiles: list[dict[str, Any]] = [
        {"name": name, "digest": {"sha256": digest}} for name, digest in locks
    ]
    moment = now or _build_time()
    seed = json.dumps([subjects, git.commit], sort_keys=True)
    external: dict[str, Any] = {
        "project": project_name(project),
        "source": {"commit": git.commit, "dirty": git.dirty},
        "lockfiles": [{"name": name, "sha256": digest} for name, digest in locks],
    }
    resolved = [{"uri": f"git+{project_name(project)}", "digest": {"gitCommit": git.commit}}]
    predicate = {
        "buildDefinition": {
            "buildType": BUILD_TYPE,
            "externalParameters": external,
            "internalParameters": {"assay": __version__},
            "resolvedDependencies": (resolved if git.commit else []) + lockfiles,
        },
        "runDetails": {
            "builder": {"id": BUILDER_ID, "version": {"assay": __version__}},
            "metadata": {
                "invocationId": str(uuid.uuid5(uuid.NAMESPACE_URL, BUILD_TYPE + seed)),
                "startedOn": _iso(moment),
                "finishedOn": _iso(moment),
            },
        },
    }
    return statement(sorted(subjects, key=lambda s: s["name"]), PROVENANCE_PREDICATE, predicate)


def write_provenance(
    settings: Settings,
    project: Path,
    artifacts: list[Path],
    *,
    output: Path | None = None,
    ask: Passphrase | None = None,
) -> ProvenanceResult:
    """Sign provenance for ``artifacts`` and write the envelope (default: beside the first
    artifact, as ``<project>.intoto.json``)."""
    body = provenance_statement(project, artifacts)
    key = signing_key(settings, ask)
    envelope = sign_statement(body, key)
    target = output or artifacts[0].parent / f"{project_name(project)}.intoto.json"
    write_atomically(target, json.dumps(envelope, indent=2, sort_keys=True) + "\n")
    subjects = tuple((s["name"], s["digest"]["sha256"]) for s in body["subject"])
    return ProvenanceResult(target, subjects, key_id(key.public_key()))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _build_time() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ProvenanceCheck:
    documents: tuple[str, ...]
    verified: tuple[Verified, ...]
    failures: tuple[str, ...]
    """``path: reason: detail`` of each document that does not verify."""


def check_project_provenance(settings: Settings, project: Path) -> ProvenanceCheck:
    """Verify every provenance envelope (``*.intoto.json``) in the project against the
    trusted keys and the artifacts beside it."""
    keys = trusted_keys(settings)
    now = datetime.now(UTC)
    documents, verified, failures = [], [], []
    for path in walk_files(project, (".json", ".jsonl")):
        if not path.name.endswith((".intoto.json", ".intoto.jsonl")):
            continue
        name = relative_path(path, project)
        documents.append(name)
        try:
            result = verify_envelope(read_envelope(path), keys, now=now, artifacts=path.parent)
        except VerificationFailure as failure:
            failures.append(f"{name}: {failure.reason}: {failure.detail}")
            continue
        if result.kind == "provenance":
            verified.append(result)
        else:
            documents.pop()
    return ProvenanceCheck(tuple(documents), tuple(verified), tuple(failures))
