"""Synthetic OSV advisories imported into a project's offline vulnerability database."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_assay


def import_advisory(
    project: Path, package: str, *, fixed: str = "999", severity: str = "HIGH"
) -> None:
    """Import one advisory: every version of ``package`` below ``fixed`` is affected."""
    folder = project.parent / f"{project.name}-advisories"
    folder.mkdir(exist_ok=True)
    record = {
        "schema_version": "1.6.0",
        "id": f"PYSEC-0000-{package}",
        "modified": "2026-01-01T00:00:00Z",
        "summary": f"a made-up flaw in {package}",
        "database_specific": {"severity": severity},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }
    (folder / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
    done = run_assay("vulndb", "import", folder, "-C", project)
    assert done.code == 0, done.err
