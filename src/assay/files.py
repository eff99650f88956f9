"""Files every front end and service writes: whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from assay.errors import UsageError

__all__ = ["write_atomically"]


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` so a reader never sees half a document: a temporary file
    in the same folder, flushed to disk, then renamed over ``path``. The file gets the
    mode a new file would (0666 less the umask)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        tmp = Path(name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)
        tmp.replace(path)
        tmp = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
