"""The vulnerability database: import, status, and scans against it."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from assay.core.environment import INSTALLER_TOOLING
from assay.core.inventory import canonical_name
from assay.core.vulnmatch import primary_id
from assay.services.vulndb import records_for, snapshot_info
from assay.settings import load_settings
from conftest import SHARED, ctx_of, run_assay, shared_venv

EXPORT = SHARED / "data" / "osv-pypi-advisories.zip"
needs_export = pytest.mark.skipif(
    not EXPORT.is_file(), reason=f"needs the shared advisory export at {EXPORT}"
)
# Known-vulnerable pins with wheels for this Python, installed without their dependencies
# so the environment holds exactly these versions.
VULNERABLE = [
    "django==2.2",
    "requests==2.19.0",
    "jinja2==2.10",
    "urllib3==1.24.1",
    "sqlparse==0.4.1",
]
# CVEs of these versions that the advisory data must report (checked by alias).
EXPECTED_CVES = {
    "django": {"CVE-2019-14232", "CVE-2019-14234", "CVE-2019-12308"},
    "requests": {"CVE-2018-18074"},
    "jinja2": {"CVE-2019-10906"},
    "urllib3": {"CVE-2019-11324", "CVE-2019-11236"},
    "sqlparse": {"CVE-2021-32839"},
}


@pytest.fixture(scope="module")
def vulnerable_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_venv(tmp_path_factory, VULNERABLE, "--no-deps")


@pytest.fixture
def imported(tmp_path: Path, store_url: str) -> tuple[Path, str]:
    """A project folder whose store holds the shared export."""
    if not EXPORT.is_file():
        pytest.skip(f"needs the shared advisory export at {EXPORT}")
    project = tmp_path / "project"
    project.mkdir()
    result = run_assay("vulndb", "import", EXPORT, "-C", project, "--store", store_url)
    assert result.code == 0, result.err
    return project, store_url


@needs_export
def test_import_records_counts_digest_and_rejects_malformed_records_by_id(
    imported: tuple[Path, str],
) -> None:
    project, url = imported
    status = run_assay("vulndb", "status", "-C", project, "--store", url)
    assert status.code == 0, status.err
    assert "2659 (2 rejected at import)" in status.out
    assert "2024-10-10" in status.out
    again = run_assay("vulndb", "import", EXPORT, "-C", project, "--store", url)
    assert "rejected PYSEC-2019-125: fixed version '2019-09-12'" in again.out
    assert "imported 2659 records" in again.out
    digests = {
        line.split()[-1] for line in (status.out + again.out).splitlines() if "snapshot" in line
    }
    settings = load_settings(project, store={"url": url})
    info = snapshot_info(ctx_of(settings).store())
    assert info is not None and any(info.digest in d for d in digests)


def test_a_folder_with_bad_records_imports_the_good_ones_and_names_the_bad(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    good = {
        "id": "PYSEC-0000-1",
        "modified": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-0000-1"],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2"}]}
                ],
            }
        ],
    }
    (folder / "good.json").write_text(json.dumps(good), encoding="utf-8")
    (folder / "good2.yaml").write_text(
        "id: GHSA-aaaa-bbbb-cccc\nmodified: '2024-02-01T00:00:00Z'\naffected:\n"
        "  - package: {ecosystem: PyPI, name: other}\n    versions: ['3.0']\n",
        encoding="utf-8",
    )
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    (folder / "noid.json").write_text(json.dumps({"modified": "x"}), encoding="utf-8")
    bad_version = dict(good, id="PYSEC-0000-2")
    bad_version["affected"] = [
        {
            "package": {"ecosystem": "PyPI", "name": "x"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "not a version"}]}],
        }
    ]
    (folder / "bad_version.json").write_text(json.dumps(bad_version), encoding="utf-8")
    result = run_assay("vulndb", "import", folder, "-C", tmp_path)
    assert result.code == 0, result.err
    assert "imported 2 records" in result.out and "(3 rejected)" in result.out
    assert "rejected broken.json: not valid JSON" in result.out
    assert "rejected noid.json: record has no id" in result.out
    assert (
        "rejected PYSEC-0000-2: fixed version 'not a version' of x is not a PEP 440" in result.out
    )
    records = records_for(ctx_of(load_settings(tmp_path)).store(), ["demo-pkg", "other"])
    assert [r.id for r in records["demo-pkg"]] == ["PYSEC-0000-1"]
    assert [r.id for r in records["other"]] == ["GHSA-aaaa-bbbb-cccc"]


def test_a_failed_import_keeps_the_data_in_force(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir()
    (folder / "one.json").write_text(
        json.dumps({"id": "X-1", "modified": "2024-01-01T00:00:00Z", "affected": []}),
        encoding="utf-8",
    )
    assert run_assay("vulndb", "import", folder, "-C", tmp_path).code == 0
    broken = tmp_path / "export.zip"
    broken.write_bytes(b"PK\x03\x04 truncated download")
    result = run_assay("vulndb", "import", broken, "-C", tmp_path)
    assert result.code == 2
    assert "is not a valid zip file" in result.err and "Traceback" not in result.err
    status = run_assay("vulndb", "status", "-C", tmp_path)
    assert "records   1 " in status.out


def test_status_without_a_database_says_how_to_get_one(tmp_path: Path) -> None:
    result = run_assay("vulndb", "status", "-C", tmp_path)
    assert result.code == 1
    assert "No vulnerability database yet" in result.out
    assert not (tmp_path / ".assay").exists()


def test_scan_with_no_data_and_no_network_is_unknown_not_clean(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(Path(__file__).parent / "data" / "lockfiles" / "uv", project)
    result = run_assay("scan", project, "--offline")
    assert result.code == 3
    assert "UNKNOWN" in result.out
    assert "no vulnerability database imported" in result.out + result.err


@pytest.mark.network
@needs_export
def test_scan_of_a_vulnerable_environment_reports_the_known_cves(
    imported: tuple[Path, str], vulnerable_venv: Path
) -> None:
    project, url = imported
    result = run_assay(
        "scan", project, "--python", vulnerable_venv, "--format", "json", "--store", url
    )
    assert result.code == 1, result.err
    report = json.loads(result.out)
    assert report["status"] == "complete"
    found: dict[str, set[str]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["package"], set()).update([finding["id"], *finding["aliases"]])
    for package, cves in EXPECTED_CVES.items():
        assert cves <= found.get(package, set()), package
    assert report["snapshot"] and len(report["snapshot"]) == 64
    fixes = {f["package"]: f["fix"] for f in report["fixes"]}
    assert fixes["requests"] is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(imported: tuple[Path, str]) -> Iterator[str]:
    """`assay vulndb serve` on 127.0.0.1, as a user starts it; yields its base URL."""
    project, url = imported
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assay.cli.main",
            "vulndb",
            "serve",
            "--port",
            str(port),
            "-C",
            str(project),
            "--store",
            url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if server.poll() is not None:
                pytest.fail(
                    f"vulndb serve exited: {server.stderr.read().decode() if server.stderr else ''}"
                )
            time.sleep(0.1)
        else:
            pytest.fail("vulndb serve did not start within 30 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.network
@needs_export
def test_pip_audit_against_vulndb_serve_finds_the_same_pairs_as_assay_scan(
    imported: tuple[Path, str], served: str, vulnerable_venv: Path, tmp_path: Path
) -> None:
    project, url = imported
    site = next(vulnerable_venv.glob("lib/python*/site-packages"))
    audit = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--path",
            str(site),
            "-s",
            "osv",
            "--osv-url",
            f"{served}/v1/query",
            "-f",
            "json",
            "--progress-spinner",
            "off",
            "--cache-dir",
            str(tmp_path / "pip-audit-cache"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert audit.returncode in (0, 1) and audit.stdout.strip(), audit.stderr[-2000:]
    theirs = {
        (canonical_name(dep["name"]), primary_id([v["id"], *v.get("aliases", [])]))
        for dep in json.loads(audit.stdout)["dependencies"]
        for v in dep.get("vulns", [])
    }
    scan = run_assay("scan", project, "--python", vulnerable_venv, "-f", "json", "--store", url)
    assert scan.code == 1, scan.err
    ours = {(f["package"], f["id"]) for f in json.loads(scan.out)["findings"]}
    assert len(ours) >= 10
    # pip-audit audits the environment's own pip and setuptools too; Assay leaves the
    # installer's tooling out of a project's inventory unless the project declares it.
    tooling = {pair for pair in theirs if pair[0] in INSTALLER_TOOLING}
    assert ours == theirs - tooling
    assert not {pair for pair in ours if pair[0] in INSTALLER_TOOLING}


@pytest.mark.network
@needs_export
def test_online_scan_through_vulndb_serve_matches_the_offline_scan(
    imported: tuple[Path, str], served: str, vulnerable_venv: Path
) -> None:
    project, url = imported
    offline = run_assay(
        "scan", project, "--python", vulnerable_venv, "-f", "json", "--offline", "--store", url
    )
    online = run_assay(
        "scan",
        project,
        "--python",
        vulnerable_venv,
        "-f",
        "json",
        "--online",
        "--store",
        url,
        env={"ASSAY_VULNERABILITIES_OSV_URL": served},
    )
    assert offline.code == online.code == 1, online.err
    pairs = [
        {(f["package"], f["id"]) for f in json.loads(r.out)["findings"]} for r in (offline, online)
    ]
    assert pairs[0] == pairs[1]
    assert json.loads(online.out)["source"].startswith("OSV API http://127.0.0.1")


@needs_export
def test_suppressions_from_assay_toml_apply_expire_and_are_reported(
    imported: tuple[Path, str], tmp_path: Path
) -> None:
    project, url = imported
    (project / "requirements.txt").write_text("requests==2.19.0\njinja2==2.10\n", encoding="utf-8")
    (project / "assay.toml").write_text(
        '[[vulnerabilities.ignore]]\nid = "CVE-2018-18074"\nreason = "no redirects to http"\n'
        'owner = "security team"\nexpires = 2099-01-01\n\n'
        '[[vulnerabilities.ignore]]\nid = "CVE-2019-10906"\nreason = "sandbox unused"\n'
        'owner = "security team"\nexpires = 2020-01-01\n\n'
        '[[vulnerabilities.ignore]]\nid = "PYSEC-1999-1"\nreason = "stale"\n'
        'owner = "security team"\nexpires = 2099-01-01\n',
        encoding="utf-8",
    )
    result = run_assay("scan", project, "-f", "json", "--store", url)
    assert result.code == 1, result.err
    report = json.loads(result.out)
    suppressed = {f["package"]: f["suppressed_by"]["id"] for f in report["suppressed"]}
    assert suppressed == {"requests": "CVE-2018-18074"}
    assert any("CVE-2019-10906" in [f["id"], *f["aliases"]] for f in report["findings"])
    assert "expired on 2020-01-01 and no longer applies" in result.err
    assert "PYSEC-1999-1" in result.err and "matches no finding" in result.err


def test_an_incomplete_suppression_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\n", encoding="utf-8")
    (tmp_path / "assay.toml").write_text(
        '[[vulnerabilities.ignore]]\nid = "CVE-2018-18074"\nexpires = 2099-01-01\n',
        encoding="utf-8",
    )
    result = run_assay("scan", tmp_path, "--offline")
    assert result.code == 2
    assert "vulnerabilities.ignore.0.reason" in result.err and "owner" in result.err


@needs_export
def test_certify_stores_vulnerability_evidence_naming_the_snapshot(
    imported: tuple[Path, str], example_project: Path
) -> None:
    _, url = imported
    result = run_assay("certify", example_project, "--store", url)
    assert result.code == 1, result.err
    report = json.loads(
        next((example_project / ".assay" / "reports").glob("*/report.json")).read_text("utf-8")
    )
    vulns = next(e for e in report["evidence"] if e["kind"] == "vulnerabilities")
    assert vulns["summary"]["status"] == "complete"
    shown = run_assay(
        "evidence", "show", vulns["sha256"], "--raw", "-C", example_project, "--store", url
    )
    document = json.loads(shown.out)
    assert document["snapshot"] and len(document["snapshot"]) == 64


@pytest.fixture
def export_server(tmp_path: Path) -> Iterator[str]:
    """A plain HTTP server on 127.0.0.1 publishing an export zip, as OSV's bucket does."""
    folder = tmp_path / "published"
    folder.mkdir()
    with zipfile.ZipFile(folder / "all.zip", "w") as archive:
        archive.writestr(
            "PYSEC-0000-1.json",
            json.dumps(
                {
                    "id": "PYSEC-0000-1",
                    "modified": "2024-01-01T00:00:00Z",
                    "affected": [
                        {
                            "package": {"ecosystem": "PyPI", "name": "demo"},
                            "versions": ["1.0"],
                        }
                    ],
                }
            ),
        )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_sync_downloads_and_imports_the_export(export_server: str, tmp_path: Path) -> None:
    result = run_assay("vulndb", "sync", "--url", f"{export_server}/all.zip", "-C", tmp_path)
    assert result.code == 0, result.err
    assert "imported 1 records" in result.out
    status = run_assay("vulndb", "status", "-C", tmp_path)
    assert "records   1 " in status.out


def test_sync_offline_says_so_and_keeps_the_data_in_force(
    export_server: str, tmp_path: Path
) -> None:
    assert (
        run_assay("vulndb", "sync", "--url", f"{export_server}/all.zip", "-C", tmp_path).code == 0
    )
    began = time.monotonic()
    dead = f"http://127.0.0.1:{_free_port()}/all.zip"
    result = run_assay("vulndb", "sync", "--url", dead, "-C", tmp_path)
    assert result.code == 3
    assert "could not download the vulnerability export" in result.err
    assert "keeping the current data (snapshot" in result.err
    assert time.monotonic() - began < 30
    assert "records   1 " in run_assay("vulndb", "status", "-C", tmp_path).out
    missing = run_assay("vulndb", "sync", "--url", f"{export_server}/nope.zip", "-C", tmp_path)
    assert missing.code == 3 and "HTTP 404" in missing.err


def test_sync_stops_trying_a_failing_url_once_the_breaker_opens(tmp_path: Path) -> None:
    from pybreaker import CircuitBreaker

    from assay.feeds.interface import FeedError
    from assay.services.vulndb_sync import sync

    breaker = CircuitBreaker(fail_max=2, reset_timeout=60, throw_new_error_on_trip=False)
    settings = load_settings(tmp_path)
    dead = f"http://127.0.0.1:{_free_port()}/all.zip"
    with pytest.raises(FeedError, match="could not download"):
        sync(ctx_of(settings), dead, attempts=2, breaker=breaker)
    began = time.monotonic()
    with pytest.raises(FeedError, match="its last 2 downloads failed"):
        sync(ctx_of(settings), dead, attempts=2, breaker=breaker)
    assert time.monotonic() - began < 1
