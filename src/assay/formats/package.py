"""The auditor package: a zip of named members under a signed manifest.

The manifest is an in-toto statement whose subjects are every other member (name and
SHA-256), signed as a DSSE envelope (``manifest.dsse.json``). The zip is deterministic:
members sorted by name, fixed times and modes, so the same release gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MANIFEST",
    "PACKAGE_PREDICATE",
    "manifest_statement",
    "read_zip",
    "zip_members",
]

MANIFEST = "manifest.dsse.json"
PACKAGE_PREDICATE = "https://assay.dev/attestations/auditor-package/v1"
_EPOCH = (1980, 1, 1, 0, 0, 0)


def manifest_statement(
    members: Mapping[str, bytes], predicate: Mapping[str, Any]
) -> dict[str, Any]:
    from assay.signing.dsse import statement

    subjects = [
        {"name": name, "digest": {"sha256": hashlib.sha256(data).hexdigest()}}
        for name, data in sorted(members.items())
    ]
    return statement(subjects, PACKAGE_PREDICATE, predicate)


def zip_members(members: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, members[name], compresslevel=9)
    return buffer.getvalue()


def read_zip(data: bytes) -> tuple[dict[str, bytes], dict[str, str]]:
    """The members of a package, and the members that cannot be read (a damaged byte
    fails the member's CRC or its deflate stream) with why. Raises ValueError when the
    archive itself cannot be opened."""
    import zlib

    members: dict[str, bytes] = {}
    damaged: dict[str, str] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"not a readable zip: {exc}") from exc
    with archive:
        for info in archive.infolist():
            name = info.filename
            if name.endswith("/"):
                continue
            if name in members or name in damaged:
                damaged[name] = "the zip holds this member twice"
                continue
            try:
                members[name] = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
                damaged[name] = f"cannot be read: {exc}"
    return members, damaged
