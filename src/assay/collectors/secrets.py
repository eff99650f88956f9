"""Scan a source tree (and optionally its git history) for committed credentials.

Known token formats come from the patterns of detect-secrets' maintained detectors, each
match taken whole (its own reporting keeps only a captured prefix for some, such as
GitHub's ``ghp``), without its global settings. Its entropy detectors
are not used: they flag every digest and UUID. Keyword assignments (``password = ...``)
use Assay's own rule instead, with entropy, placeholder and reference checks (core.secrets),
because detect-secrets' keyword detector reports placeholders such as ``YOUR_API_KEY``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.jwt import JwtTokenDetector

from assay.core.secrets import (
    KEYWORD_ASSIGNMENT,
    SecretFinding,
    fingerprint,
    is_placeholder,
    is_placeholder_userinfo,
    is_test_fixture,
    looks_secret,
    redact,
)

__all__ = ["scan_history", "scan_tree"]

_DETECTORS = [
    "AWSKeyDetector",
    "ArtifactoryDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
]
_VENDORED = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "vendor",
    "third_party",
    ".assay",
    "__pycache__",
    "site-packages",
    "dist",
    "build",
}
_MAX_BYTES = 2_000_000
# An unquoted name followed by "[": a subscript or a generic type in code.
_SUBSCRIPT = re.compile(r"[A-Za-z_][\w.]*\[")

# A credential in a URL (``scheme://user:password@host``). detect-secrets' own pattern
# leaves out of the password every character RFC 3986 reserves, so the passwords people
# actually write there (``Tr0ub4dor&3``, ``S3cr#t!``, ``p@ss``) were missed. This one takes
# any character but space, quotes, angle brackets and "/" up to the last "@" before a host.
_URL_CREDENTIAL = re.compile(r"://[^:/?#\[\]@\s\"'`<>{}]*:[^\s\"'`<>/]+@(?=[A-Za-z0-9\[])")


def scan_tree(root: Path, key: bytes) -> list[SecretFinding]:
    """Every file git would track (honouring .gitignore), or every non-vendored file."""
    findings: list[SecretFinding] = []
    for path in _files(root):
        text = _text(path)
        if text is None:
            continue
        relative = path.relative_to(root).as_posix()
        for number, line in enumerate(text.splitlines(), start=1):
            findings += _scan(line, relative, number, key)
    return _unique(findings)


def scan_history(root: Path, key: bytes) -> list[SecretFinding]:
    """Lines added in the repository's history (``git log -p``), with their commits."""
    done = subprocess.run(
        ["git", "-C", str(root), "log", "-p", "--no-color", "--unified=0", "--format=commit %H"],
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if done.returncode != 0:
        return []
    findings: list[SecretFinding] = []
    commit = path = ""
    number = 0
    for line in done.stdout.splitlines():
        if line.startswith("commit "):
            commit = line.split()[1]
        elif line.startswith("+++ "):
            path = line[6:] if line.startswith("+++ b/") else line[4:]
        elif line.startswith("@@"):
            added = line.split("+", 1)[1].split()[0]
            number = int(added.split(",")[0])
        elif line.startswith("+") and not line.startswith("+++"):
            for finding in _scan(line[1:], path, number, key):
                findings.append(dataclasses.replace(finding, commit=commit))
            number += 1
    return _unique(findings)


@functools.cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(secret type, compiled pattern) of every chosen detector."""
    chosen = []
    detectors: dict[str, Any] = get_mapping_from_secret_type_to_class()  # untyped library
    for secret_type, plugin in sorted(detectors.items()):
        if plugin.__name__ == "BasicAuthDetector":
            chosen.append((secret_type, _URL_CREDENTIAL))
        elif plugin.__name__ in _DETECTORS and issubclass(plugin, RegexBasedDetector):
            chosen += [(secret_type, pattern) for pattern in plugin().denylist]
    return tuple(chosen)


def _formal_jwt(value: str) -> bool:
    """detect-secrets' own check that the header and payload decode as JSON: the patterns
    are used without the plugin, so its check is called here."""
    return bool(JwtTokenDetector.is_formally_valid(value))


def _scan(line: str, path: str, number: int, key: bytes) -> list[SecretFinding]:
    found: list[SecretFinding] = []
    fixture = is_test_fixture(path)
    for secret_type, pattern in _patterns():
        for match in pattern.finditer(line):
            value = match.group(0)
            url = secret_type == "Basic Auth Credentials"
            if is_placeholder(value.strip(":/@"), code=not url):
                continue
            if secret_type == JwtTokenDetector.secret_type and not _formal_jwt(value):
                continue  # eyJ... that is no JWT (an itsdangerous token in a README, say)
            if url and is_placeholder_userinfo(value.strip(":/@")):
                continue  # https://user:pass@host: where credentials go, not one
            # Every key block starts with the same header: tell them apart by place.
            mark = f"{path}:{number}:{value}" if secret_type == "Private Key" else value
            found.append(
                SecretFinding(
                    secret_type,
                    path,
                    number,
                    fingerprint(mark, key),
                    redact(value),
                    test_fixture=fixture,
                )
            )
    for match in KEYWORD_ASSIGNMENT.finditer(line):
        value = match.group("value")
        if not match.group("quote") and _SUBSCRIPT.match(value):
            continue  # code, not a value: password = request.form[...], x: Token[App]
        # A token format already reported on this line is the same credential.
        if looks_secret(value) and not found:
            found.append(
                SecretFinding(
                    "Keyword assignment",
                    path,
                    number,
                    fingerprint(value, key),
                    redact(value),
                    test_fixture=fixture,
                )
            )
    return found


def _unique(findings: list[SecretFinding]) -> list[SecretFinding]:
    seen: dict[tuple[str, int, str], SecretFinding] = {}
    for finding in findings:
        seen.setdefault((finding.path, finding.line, finding.fingerprint), finding)
    return sorted(seen.values(), key=lambda f: (f.path, f.line, f.rule))


def _files(root: Path) -> Iterator[Path]:
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
    )
    if listed.returncode == 0:
        for name in sorted(filter(None, listed.stdout.decode("utf-8", "replace").split("\0"))):
            path = root / name
            if path.is_file() and not set(Path(name).parts) & _VENDORED:
                yield path
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not set(path.relative_to(root).parts) & _VENDORED:
            yield path


def _text(path: Path) -> str | None:
    try:
        data = path.read_bytes()[:_MAX_BYTES]
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None  # binary
    return data.decode("utf-8", errors="replace")
