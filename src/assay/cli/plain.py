"""Plain status lines and file writes, for commands that should not pay for Rich."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from assay.files import write_atomically

if TYPE_CHECKING:
    from assay.core.inventory import Inventory
    from assay.core.scan import ScanResult

__all__ = ["print_notices", "print_scan_warnings", "write_atomically"]


def print_notices(inventory: Inventory, wrote: Path | None) -> None:
    """Warnings, tooling left out and the summary line of ``assay sbom``, on stderr."""
    from assay.core.environment import INSTALLER_TOOLING_LEFT_OUT, ROOT_FROM_ENVIRONMENT

    for notice in inventory.notices:
        if notice.level.value == "warning":
            where = f" ({notice.origin})" if notice.origin else ""
            print(f"warning: {notice.message}{where}", file=sys.stderr)
        elif notice.code in (INSTALLER_TOOLING_LEFT_OUT, ROOT_FROM_ENVIRONMENT):
            print(f"note: {notice.message}", file=sys.stderr)
    if wrote is not None:
        # A lock file's kind is its file name: name it once ("uv.lock", not "uv.lock uv.lock").
        sources = ", ".join(
            str(s.path) if Path(s.path).name == s.kind.value else f"{s.kind.value} {s.path}"
            for s in inventory.sources
        )
        print(
            f"wrote {wrote}: {len(inventory.components)} components from {sources}",
            file=sys.stderr,
        )


def print_scan_warnings(result: ScanResult, *, to_stderr: bool) -> None:
    """Suppressions that expired or match nothing, and components left unchecked."""
    stream = sys.stderr if to_stderr else sys.stdout
    for entry in result.expired_suppressions:
        print(
            f"warning: suppression of {entry.subject} (owner {entry.owner}) expired on "
            f"{entry.expires.isoformat()} and no longer applies",
            file=stream,
        )
    for entry in result.unmatched_suppressions:
        print(
            f"warning: suppression of {entry.subject} (owner {entry.owner}) matches no finding; "
            "remove it from assay.toml",
            file=stream,
        )
    if result.not_scanned and result.status.value != "unknown":
        names = ", ".join(result.not_scanned)
        print(f"warning: not checked (no pinned version): {names}", file=stream)
    if result.status.value == "unknown":
        print(f"error: vulnerabilities unknown: {result.reason}", file=sys.stderr)
