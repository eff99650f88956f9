"""The evidence locker: content-addressed blobs, written once, atomically, never rewritten."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from assay.errors import NotFoundError, StoreError

__all__ = ["EvidenceLocker"]


class EvidenceLocker:
    """Blobs stored under ``root/sha256/ab/cdef...`` by the SHA-256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / "sha256" / sha256[:2] / sha256[2:]

    def put(self, data: bytes) -> str:
        """Store ``data`` and return its digest; an existing blob is left untouched."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                Path(tmp).chmod(0o444)
                # os.link refuses to replace: if another writer won the race, its blob
                # (with the same bytes) stays and ours is discarded.
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, target)
            finally:
                Path(tmp).unlink(missing_ok=True)
            _fsync_dir(target.parent)
        except OSError as exc:
            raise StoreError(
                f"cannot write evidence to {self.root}: {exc.strerror}",
                hint="check that the folder is writable and the disk is not full",
            ) from exc
        return digest

    def get(self, sha256: str) -> bytes:
        """The blob's bytes, checked against its digest."""
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise NotFoundError(
                f"evidence blob {sha256[:12]} is missing from {self.root}",
                hint="the evidence folder may have been moved or pruned",
            ) from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise StoreError(
                f"evidence blob {sha256[:12]} does not match its digest: it was altered",
                hint="restore the evidence folder from a backup; do not trust this run",
            )
        return data

    def has(self, sha256: str) -> bool:
        return self.path(sha256).exists()

    def remove(self, sha256: str) -> bool:
        """Delete a blob (retention purges it); False when it was already gone."""
        target = self.path(sha256)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StoreError(
                f"cannot delete evidence blob {sha256[:12]}: {exc.strerror}",
                hint=f"check that {target.parent} is writable",
            ) from exc
        _fsync_dir(target.parent)
        return True


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems do not support fsync on directories
    finally:
        os.close(fd)
