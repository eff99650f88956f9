"""Secrets: recall and precision on a planted corpus, and no value in any output."""

from __future__ import annotations

import hashlib
import json
import subprocess
import warnings
from pathlib import Path

from advisories import import_advisory
from assay.collectors.secrets import scan_history, scan_tree
from assay.core.secrets import fingerprint, redact
from conftest import run_assay
from secrets_corpus import build

RECALL_TARGET = 0.95
PRECISION_TARGET = 0.9
KEY = b"a fingerprint key for the tests"


def test_recall_and_precision_on_the_planted_corpus(tmp_path: Path) -> None:
    planted, lookalikes = build(tmp_path)
    assert len(planted) >= 30 and lookalikes >= 30
    findings = scan_tree(tmp_path, KEY)
    found_places = {(f.path, f.line) for f in findings}
    planted_places = {(path, line) for path, line, _ in planted}
    hits = planted_places & found_places
    recall = len(hits) / len(planted_places)
    precision = len(hits) / len(found_places)
    missed = sorted(planted_places - found_places)
    extra = sorted(found_places - planted_places)
    warnings.warn(
        f"secrets: recall {recall:.3f} over {len(planted_places)} planted, precision "
        f"{precision:.3f} with {lookalikes} look-alikes; missed {missed}; false {extra}",
        stacklevel=1,
    )
    assert recall >= RECALL_TARGET, missed
    assert precision >= PRECISION_TARGET, extra


def test_no_secret_value_appears_in_output_or_stored_evidence(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    planted, _ = build(project)
    (project / "requirements.txt").write_text("attrs==24.2.0\n", encoding="utf-8")
    table = run_assay("check", "secrets", project)
    document = run_assay("check", "secrets", project, "--json")
    certify = run_assay("certify", project)
    assert table.code == document.code == 1 and certify.code == 1
    # Everything Assay stored, but its own audit signing key (a PEM private key by nature).
    kept = [p for p in (project / ".assay").rglob("*") if p.is_file() and p.name != "audit.key"]
    stored = b"".join(p.read_bytes() for p in kept)
    outputs = table.out + table.err + document.out + certify.out + certify.err
    for _, _, value in planted:
        assert value not in outputs
        assert value.encode() not in stored
    findings = json.loads(document.out)["findings"]
    key_file = project / ".assay" / "fingerprint.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    key = key_file.read_text(encoding="ascii").strip().encode()
    marks = {f["fingerprint"] for f in findings}
    assert marks >= {fingerprint(v, key) for _, _, v in planted[:3]}
    # Keyed: a guessed value cannot be confirmed from a fingerprint without the key.
    unkeyed = {hashlib.sha256(v.encode()).hexdigest()[:20] for _, _, v in planted}
    assert not marks & unkeyed


def test_an_allowance_by_fingerprint_applies_until_it_expires(tmp_path: Path) -> None:
    value = "ghp_" + "k2J9sLq0ZxW4vB7nM1cR5tY8uP3oA6eD2fG4"[:36]
    (tmp_path / "ci.sh").write_text(f"export GH_TOKEN={value}\n", encoding="utf-8")
    key = "a key CI shares with the machine where the allowance was written"
    mark = fingerprint(value, key.encode())
    (tmp_path / "assay.toml").write_text(
        f'[[secrets.allow]]\nfingerprint = "{mark}"\nreason = "revoked test token"\n'
        'owner = "security team"\nexpires = 2099-01-01\n',
        encoding="utf-8",
    )
    shared = {"ASSAY_FINGERPRINT_KEY": key}
    assert run_assay("check", "secrets", tmp_path, env=shared).code == 0
    other = run_assay("check", "secrets", tmp_path)  # this store's own key: another mark
    assert other.code == 1 and mark not in other.out
    (tmp_path / "assay.toml").write_text(
        f'[[secrets.allow]]\nfingerprint = "{mark}"\nreason = "revoked test token"\n'
        'owner = "security team"\nexpires = 2020-01-01\n',
        encoding="utf-8",
    )
    expired = run_assay("check", "secrets", tmp_path, env=shared)
    assert expired.code == 1 and "expired on 2020-01-01" in expired.err


def test_gitignored_files_are_skipped_and_history_is_scanned(tmp_path: Path) -> None:
    value = "ghp_" + "Zq8Xw2Vt6Ys0Ur4Tq8Po2Nm6Lk0Ji4Hg8Fe2D"[:36]

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "ci@example.org")
    git("config", "user.name", "ci")
    (tmp_path / ".gitignore").write_text("local.env\n", encoding="utf-8")
    (tmp_path / "local.env").write_text(f"TOKEN={value}\n", encoding="utf-8")
    (tmp_path / "deploy.sh").write_text(f"export GH_TOKEN={value}\n", encoding="utf-8")
    git("add", ".gitignore", "deploy.sh")
    git("commit", "-qm", "add deploy")
    (tmp_path / "deploy.sh").write_text("export GH_TOKEN=$GH_TOKEN\n", encoding="utf-8")
    git("commit", "-qam", "read the token from the environment")
    assert scan_tree(tmp_path, KEY) == []  # removed from the tree; local.env is ignored
    history = scan_history(tmp_path, KEY)
    assert [(f.path, f.rule) for f in history] == [("deploy.sh", "GitHub Token")]
    assert history[0].commit and history[0].redacted == redact(value)
    result = run_assay("check", "secrets", tmp_path, "--history")
    assert result.code == 1 and value not in result.out


def _pem_key(seed: int) -> str:
    """A private-key block made at test time (no key-shaped text is committed)."""
    import random
    import string

    rng = random.Random(seed)
    body = "\n".join(
        "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(64))
        for _ in range(6)
    )
    return f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n"


def _requests_like_checkout(root: Path) -> Path:
    """The shape of a requests checkout: keys under tests/certs, credentials in test URLs."""
    (root / "src" / "client").mkdir(parents=True)
    (root / "src" / "client" / "__init__.py").write_text(
        '"""A client."""\n\n\ndef get(url: str) -> str:\n    return url\n', encoding="utf-8"
    )
    certs = root / "tests" / "certs" / "expired" / "server"
    certs.mkdir(parents=True)
    (certs / "server.key").write_text(_pem_key(1), encoding="utf-8")
    (root / "tests" / "test_client.py").write_text(
        "def test_basic_auth_in_the_url():\n"
        '    url = "http://test:Zq8vN3kLp5@localhost:8080/basic-auth"\n'
        '    proxy = "http://proxyuser:Xq7rT2vLp9Zk@10.0.0.1:3128"\n'
        "    assert url and proxy\n",
        encoding="utf-8",
    )
    (root / "requirements.txt").write_text("attrs==24.2.0\n", encoding="utf-8")
    return root


def test_secrets_in_test_fixtures_are_listed_apart_and_do_not_fail_the_check(
    tmp_path: Path,
) -> None:
    project = _requests_like_checkout(tmp_path)
    table = run_assay("check", "secrets", project)
    assert table.code == 0, table.out + table.err
    lines = [line for line in table.out.splitlines() if "[test fixture]" in line]
    assert {line.split(":")[0] for line in lines} == {
        "tests/certs/expired/server/server.key",
        "tests/test_client.py",
    }
    assert "0 secret(s) in force, 3 in test fixtures (not counted)" in table.out
    document = json.loads(run_assay("check", "secrets", project, "--json").out)
    assert document["findings"] == []
    assert len(document["test_fixtures"]) == 3
    assert all(f["test_fixture"] for f in document["test_fixtures"])


def test_a_secret_outside_the_test_folders_still_fails_beside_test_fixtures(
    tmp_path: Path,
) -> None:
    project = _requests_like_checkout(tmp_path)
    (project / "src" / "client" / "settings.py").write_text(
        'api_key = "Zx9kq2Lm0Pw7Rt4Yb8"\n', encoding="utf-8"
    )
    result = run_assay("check", "secrets", project)
    assert result.code == 1
    assert "src/client/settings.py:1: Keyword assignment" in result.out
    assert "1 secret(s) in force, 3 in test fixtures (not counted)" in result.out


def test_certify_does_not_fail_prod_003_for_test_fixtures_unless_configured(
    tmp_path: Path,
) -> None:
    project = _requests_like_checkout(tmp_path)
    import_advisory(project, "unrelated-package")

    def prod_003() -> dict[str, object]:
        run_assay("certify", project)
        newest = max(
            (project / ".assay/reports").glob("*/report.json"), key=lambda p: p.stat().st_mtime
        )
        report = json.loads(newest.read_text(encoding="utf-8"))
        gate: dict[str, object] = next(g for g in report["gates"] if g["id"] == "PROD-003")
        return gate

    gate = prod_003()
    assert gate["status"] == "pass", gate
    assert "3 in test fixtures, reported apart and not counted" in str(gate["explanation"])
    (project / "assay.toml").write_text(
        "[secrets]\nfail_on_test_fixtures = true\n", encoding="utf-8"
    )
    gate = prod_003()
    assert gate["status"] == "fail" and "3 secret(s) in force" in str(gate["explanation"])
    assert run_assay("check", "secrets", project).code == 1


def test_what_counts_as_a_test_fixture() -> None:
    from assay.core.secrets import is_test_fixture

    for path in (
        "tests/certs/ca.key",
        "pkg/test/data.json",
        "testing/env.sh",
        "fixtures/users.yaml",
        "internal/testdata/token.txt",
        "conftest.py",
        "pkg/test_client.py",
    ):
        assert is_test_fixture(path), path
    for path in ("src/settings.py", "certs/server.key", "deploy/contest.py", "latest/run.sh"):
        assert not is_test_fixture(path), path


def test_placeholder_credentials_in_urls_are_not_reported_and_real_ones_are(
    tmp_path: Path,
) -> None:
    """requests' changelog shows ``https://user:pass@proxy:8080``: where credentials go,
    not a leaked one. It must not fail the check (or PROD-003); a real one still does."""
    (tmp_path / "HISTORY.md").write_text(
        "# History\n\n"
        "- When proxies are defined with user info (`https://user:pass@proxy:8080`),\n"
        "  a Proxy-Authorization header is built.\n"
        "- Set `HTTPS_PROXY=http://username:password@proxy.example:3128` first.\n",
        encoding="utf-8",
    )
    (tmp_path / "client.py").write_text(
        'def url(user: str, password: str) -> str:\n    return f"http://{user}:{password}@host/"\n',
        encoding="utf-8",
    )
    clean = run_assay("check", "secrets", tmp_path, "--json")
    assert clean.code == 0, clean.out + clean.err
    document = json.loads(clean.out)
    assert document["findings"] == [] and document["test_fixtures"] == []

    (tmp_path / "deploy.md").write_text(
        "Upload with `curl https://deploy:Hk3mP9qWz2xR@artifacts.internal/upload`.\n",
        encoding="utf-8",
    )
    leaked = run_assay("check", "secrets", tmp_path)
    assert leaked.code == 1
    assert "deploy.md:1: Basic Auth Credentials" in leaked.out
    assert "HISTORY.md" not in leaked.out and "client.py" not in leaked.out


def test_an_eyj_token_that_is_no_jwt_is_not_reported(tmp_path: Path) -> None:
    """A signed-serializer token in a README's example output (seen in a real project's
    README) starts with eyJ but is a JSON payload and a signature; a JWT is reported."""
    import base64

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    serialized = part(b'{"id": 5, "name": "example"}') + ".Xk2pQ0aVr7Ls9Tq-Wm3Nb8Yc1Hd"
    jwt = ".".join(
        [part(b'{"alg": "HS256", "typ": "JWT"}'), part(b'{"sub": "42"}'), "Zm9vYmFyYmF6cXV4"]
    )
    (tmp_path / "README.md").write_text(f"    # {serialized}\n\nAUTH = '{jwt}'\n", "utf-8")
    found = scan_tree(tmp_path, b"k")
    assert [(f.rule, f.line) for f in found] == [("JSON Web Token", 3)]
