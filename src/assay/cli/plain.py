"""Plain status lines and file writes, for commands that should not pay for Rich."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from assay.errors import UsageError

if TYPE_CHECKING:
    from assay.core.inventory import Inventory

__all__ = ["print_notices", "write_atomically"]


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader never sees half a document."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc


def print_notices(inventory: Inventory, wrote: Path | None) -> None:
    """Warnings and the summary line of ``assay sbom``, on stderr, as plain lines."""
    for notice in inventory.notices:
        if notice.level.value == "warning":
            where = f" ({notice.origin})" if notice.origin else ""
            print(f"warning: {notice.message}{where}", file=sys.stderr)
    if wrote is not None:
        sources = ", ".join(f"{s.kind.value} {s.path}" for s in inventory.sources)
        print(
            f"wrote {wrote}: {len(inventory.components)} components from {sources}",
            file=sys.stderr,
        )
