"""Secret findings: redaction, fingerprints, and the checks that keep look-alikes out."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date

from assay.core.exemptions import Exemption

__all__ = [
    "KEYWORD_ASSIGNMENT",
    "SecretFinding",
    "SecretsResult",
    "apply_allowlist",
    "entropy",
    "fingerprint",
    "is_placeholder",
    "is_placeholder_userinfo",
    "is_test_fixture",
    "looks_secret",
    "redact",
]

KEYWORD_ASSIGNMENT = re.compile(
    r"""(?ix)
    (?<![a-z0-9_.-])  # a name starts where one can: each run of name characters is tried once
    (?P<name>[a-z0-9_.-]{0,80}?(?:password|passwd|pwd|secret|token|api[_-]?key|apikey
        |access[_-]?key|auth[_-]?key|client[_-]?secret|private[_-]?key)[a-z0-9_]{0,80})
    ["']?\s*(?::=|=|:)\s*
    (?P<quote>["'`]?)(?P<value>[^\s"'`,;#]{8,})(?P=quote)
    """
)
_PLACEHOLDER = re.compile(
    r"(?i)(example|sample|dummy|placeholder|changeme|change_me|your[_-]|<[^>]*>|\$\{|\{\{|"
    r"xxxx|\*\*\*\*|redacted|replace|fake|test[_-]?(key|token|secret)|notreal|todo)"
)
_REFERENCE = re.compile(r"^(os\.|env\.|getenv|settings\.|config\.|self\.|\$|%|process\.env)")
# Keys that vendors publish in their documentation as examples.
_DOCUMENTED = {
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
}


@dataclass(frozen=True)
class SecretFinding:
    """A credential found in the tree. The value itself is never kept."""

    rule: str
    """What kind it is: ``AWS Access Key``, ``GitHub Token``, ``Keyword assignment``..."""
    path: str
    line: int
    fingerprint: str
    """HMAC-SHA256 of the value under the project's fingerprint key, shortened:
    allowlists name this, never the value."""
    redacted: str
    """The first characters and the length, enough to recognise it, not to use it."""
    commit: str | None = None
    """For findings in git history: the commit that added the line."""
    test_fixture: bool = False
    """Found in a test or fixture file (see ``is_test_fixture``): reported apart, and by
    default not a failure of the security gate."""


# Folders whose files are test code or test data. Test suites commit keys, certificates and
# credential-bearing URLs on purpose (requests keeps tests/certs/**/*.key and
# http://user:pass@host URLs in its tests): they are fixtures, not leaked credentials.
_TEST_FOLDERS = frozenset({"tests", "test", "testing", "fixtures", "testdata"})


def is_test_fixture(path: str) -> bool:
    """Whether ``path`` (relative, ``/``-separated) is test code or test data: under a
    ``tests``, ``test``, ``testing``, ``fixtures`` or ``testdata`` folder (``certs`` inside
    one included), or a file named ``conftest.py``, ``test_*.py`` or ``*_test.py``."""
    parts = [p.lower() for p in path.replace("\\", "/").split("/") if p]
    if not parts:
        return False
    name = parts[-1]
    if name == "conftest.py" or (name.endswith(".py") and name.startswith("test_")):
        return True
    if name.endswith("_test.py"):
        return True
    return any(part in _TEST_FOLDERS for part in parts[:-1])


def fingerprint(value: str, key: bytes) -> str:
    """HMAC-SHA256 of the value under the project's fingerprint key, shortened. Keyed, so
    that a fingerprint read from evidence or a report cannot confirm a guessed password
    offline without the key (an unkeyed hash can)."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def redact(value: str) -> str:
    """``ghp_…(40 chars)``: four characters at most, never more than a tenth of the value."""
    shown = min(4, len(value) // 10)
    return f"{value[:shown]}…({len(value)} chars)"


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def is_placeholder(value: str, *, code: bool = True) -> bool:
    """Values that only look like secrets: examples, templates, references, repeats; with
    ``code``, also a call or an expression (``get_secret()``), which a password in a URL
    is not."""
    if value in _DOCUMENTED or _PLACEHOLDER.search(value) or _REFERENCE.search(value):
        return True
    if len(set(value)) <= 3:  # "xxxxxxxx", "00000000", "********"
        return True
    if value.startswith(("/", "http://", "https://", "./", "../")):
        return True  # a path or a URL without credentials (URLs with them: BasicAuthDetector)
    return code and ("(" in value or value.endswith(")"))


# Passwords that documentation and examples write to show where one goes
# (``https://user:pass@proxy:8080`` in requests' changelog), never a real credential.
_PLACEHOLDER_PASSWORDS = frozenset({"pass", "passwd", "password", "pw", "pwd", "secret"})
# A template field of an f-string or str.format (``{PASSWORD}``, ``{self.password}``).
_TEMPLATE_FIELD = re.compile(r"^\{[A-Za-z_][\w.]*\}$")


def is_placeholder_userinfo(userinfo: str) -> bool:
    """Whether the ``user:password`` of a URL only shows where credentials go: a
    conventional placeholder password (``user:pass``, ``name:password``), a template field
    (``{USER}:{PASSWORD}``) or a placeholder value (``<password>``, ``${PASS}``)."""
    _, _, password = userinfo.partition(":")
    if not password:
        return False
    return (
        password.lower() in _PLACEHOLDER_PASSWORDS
        or bool(_TEMPLATE_FIELD.match(password))
        or is_placeholder(password, code=False)
    )


def looks_secret(value: str) -> bool:
    """A keyword-assigned value worth reporting: long, varied, not a hash-like hex digest."""
    if is_placeholder(value) or len(value) < 8:
        return False
    if re.fullmatch(r"[0-9a-f]{32,}", value) or re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", value
    ):
        return False  # digests and UUIDs are identifiers, not credentials
    return entropy(value) >= 3.0


def apply_allowlist(
    findings: list[SecretFinding], allow: list[Exemption], today: date
) -> tuple[list[SecretFinding], list[SecretFinding], list[Exemption]]:
    """(findings in force, allowed findings, expired entries)."""
    active = {a.subject: a for a in allow if a.active(today)}
    expired = [a for a in allow if a.expires < today]
    kept = [f for f in findings if f.fingerprint not in active]
    allowed = [f for f in findings if f.fingerprint in active]
    return kept, allowed, expired


@dataclass(frozen=True)
class SecretsResult:
    findings: tuple[SecretFinding, ...]
    """Findings in force outside test code and test data."""
    allowed: tuple[SecretFinding, ...]
    expired: tuple[Exemption, ...]
    history: bool
    test_fixtures: tuple[SecretFinding, ...] = ()
    """Findings in force in test code and test data, reported apart."""
    fail_on_test_fixtures: bool = False
    """``[secrets] fail_on_test_fixtures``: whether those fail too."""

    @property
    def failing(self) -> tuple[SecretFinding, ...]:
        """The findings that fail the check: test fixtures only when configured so."""
        return self.findings + (self.test_fixtures if self.fail_on_test_fixtures else ())
