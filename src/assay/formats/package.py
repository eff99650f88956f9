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


MAX_UNPACKED = 256 * 1024 * 1024
"""The most a package may hold unpacked: checked from the zip's directory before any
member is inflated, so a small zip cannot make the verifier use gigabytes."""


def read_zip(data: bytes) -> tuple[dict[str, bytes], dict[str, str]]:
    """The members of a package, and the members that cannot be read (a damaged byte
    fails the member's CRC or its deflate stream) with why. Raises ValueError when the
    archive itself cannot be opened, holds bytes outside its members (a zip read from its
    end accepts anything before it: bytes nobody signed), or is too large unpacked."""
    import zlib

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise ValueError(f"not a readable zip: {exc}") from exc
    except (NotImplementedError, RuntimeError) as exc:
        raise ValueError(f"not a zip Assay writes: {exc}") from exc
    members: dict[str, bytes] = {}
    damaged: dict[str, str] = {}
    with archive:
        infos = archive.infolist()
        _check_layout(data, infos, getattr(archive, "start_dir", None))
        total = sum(i.file_size for i in infos)
        if total > MAX_UNPACKED:
            raise ValueError(
                f"too large: {total} bytes unpacked, more than a package may hold ({MAX_UNPACKED})"
            )
        for info in infos:
            name = info.filename
            if name in members or name in damaged:
                damaged[name] = "the zip holds this member twice"
                continue
            if name.endswith("/"):
                if info.file_size:
                    damaged[name] = "a folder entry that holds data"
                continue
            try:
                members[name] = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
                damaged[name] = f"cannot be read: {exc}"
            except (NotImplementedError, RuntimeError) as exc:
                damaged[name] = f"cannot be read (not as Assay writes it): {exc}"
    return members, damaged


def _check_layout(data: bytes, infos: list[zipfile.ZipInfo], directory: int | None) -> None:
    """Members back to back from the first byte up to the central directory: no byte
    before, between or after them that the manifest does not cover."""
    expected = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset != expected:
            raise ValueError(f"not a package as Assay writes it: bytes before {info.filename}")
        header = data[expected : expected + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise ValueError(f"not a package as Assay writes it: no header for {info.filename}")
        name_length = int.from_bytes(header[26:28], "little")
        extra_length = int.from_bytes(header[28:30], "little")
        expected += 30 + name_length + extra_length + info.compress_size
        if info.flag_bits & 0x08:  # a data descriptor follows the data
            expected += 16 if data[expected : expected + 4] == b"PK\x07\x08" else 12
    if directory is not None and directory != expected:
        raise ValueError("not a package as Assay writes it: bytes between members and directory")
