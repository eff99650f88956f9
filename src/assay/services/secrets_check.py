"""The secrets check: scan the tree (and history), apply the allowlist, never keep a value."""

from __future__ import annotations

import os
import secrets
from datetime import UTC, date, datetime
from pathlib import Path

from assay.collectors.secrets import scan_history, scan_tree
from assay.core.exemptions import Exemption
from assay.core.secrets import SecretsResult, apply_allowlist
from assay.errors import UsageError
from assay.formats.secrets import to_json
from assay.settings import Settings

__all__ = [
    "KEY_VARIABLE",
    "MEDIA_TYPE",
    "SecretsResult",
    "check_secrets",
    "fingerprint_key",
    "to_json",
]

MEDIA_TYPE = "application/vnd.assay.secrets+json"


def check_secrets(
    project: Path, settings: Settings, *, history: bool = False, today: date | None = None
) -> SecretsResult:
    if not project.is_dir():
        raise UsageError(f"no such project folder: {project}", hint="pass the project's folder")
    key = fingerprint_key(settings)
    found = scan_tree(project, key) + (scan_history(project, key) if history else [])
    allow = [Exemption(a.fingerprint, a.owner, a.reason, a.expires) for a in settings.secrets.allow]
    kept, allowed, expired = apply_allowlist(found, allow, today or datetime.now(UTC).date())
    return SecretsResult(
        findings=tuple(f for f in kept if not f.test_fixture),
        allowed=tuple(allowed),
        expired=tuple(expired),
        history=history,
        test_fixtures=tuple(f for f in kept if f.test_fixture),
        fail_on_test_fixtures=settings.secrets.fail_on_test_fixtures,
    )


KEY_VARIABLE = "ASSAY_FINGERPRINT_KEY"
KEY_FILE = "fingerprint.key"


def fingerprint_key(settings: Settings) -> bytes:
    """The key secret fingerprints are computed with: ``ASSAY_FINGERPRINT_KEY`` when set
    (CI shares the key of the machine where allowances were written), else the store's
    ``fingerprint.key``, made (mode 0600) on first use."""
    given = os.environ.get(KEY_VARIABLE, "")
    if given:
        if len(given) < 16:
            raise UsageError(
                f"{KEY_VARIABLE} is too short to key fingerprints ({len(given)} characters)",
                hint=f"use the content of {KEY_FILE} from the store, or 32+ random characters",
            )
        return given.encode("utf-8")
    path = settings.state_dir / KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip().encode("ascii")
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read the fingerprint key {path}: {exc}",
            hint=f"restore it, or set {KEY_VARIABLE}",
        ) from exc
    made = secrets.token_hex(32)
    try:
        settings.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="ascii").strip().encode("ascii")
    except OSError as exc:
        raise UsageError(
            f"cannot write the fingerprint key {path}: {exc.strerror}",
            hint=f"make the store folder writable, or set {KEY_VARIABLE}",
        ) from exc
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(made + "\n")
    return made.encode("ascii")
