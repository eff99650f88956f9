"""Shared fixtures: store back ends, fixture folders, the real ``assay`` command."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from assay.core.caller import Caller
from assay.services.context import Context, open_context
from assay.settings import Settings
from assay.store.database import normalise_url
from assay.store.handle import StoreHandle

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
LOCKFILES = DATA / "lockfiles"
EXAMPLE = ROOT / "examples" / "shipping-quotes"
SHARED = ROOT.parent / "shared"

POSTGRES_URL = os.environ.get("ASSAY_TEST_POSTGRES_URL")

# Where `make install-test` unpacks promtool and wrk (scripts/debian-tools.sh).
TOOLS = ROOT / ".venv" / "tools" / "bin"
INSPECTOR = Path(__file__).parent / "inspector" / "node_modules" / ".bin" / "mcp-inspector"


def missing_services() -> list[str]:
    """The services and tools some tests need that this machine does not offer."""
    missing = []
    if not POSTGRES_URL:
        missing.append("PostgreSQL (ASSAY_TEST_POSTGRES_URL; scripts/test-postgres.sh starts one)")
    for tool in ("promtool", "wrk"):
        if not (TOOLS / tool).is_file() and not shutil.which(tool):
            missing.append(f"{tool} (scripts/debian-tools.sh unpacks it into {TOOLS})")
    if not INSPECTOR.exists():
        missing.append("the MCP Inspector (npm ci --prefix tests/inspector)")
    if not (SHARED / "data" / "osv-pypi-advisories.zip").is_file():
        missing.append(f"the shared OSV advisories ({SHARED / 'data'})")
    return missing


# The suite's longest tests (over 20 s each on two workers, measured in CI): started first,
# so that no worker is left running one of them alone at the end of the run.
LONG_FIRST = (
    "test_signoffs.py::test_the_whole_scenario",
    "test_signoffs.py::test_an_expired_certificate_does_not_verify",
    "test_audit.py::test_sigkill_during_appends_loses_no_committed_entry",
    "test_gates.py::test_the_ready_project_passes_every_gate",
    "test_api.py::test_tokens_are_required_and_roles_are_checked",
    "test_slo.py::test_a_real_locust_run_is_stored_as_load_test_evidence",
    "test_api_schema.py::test_schemathesis_finds_no_server_error",  # on both back ends
    "test_performance.py::test_two_runs_of_the_same_code_show_no_regression",
    "test_quality.py::test_the_analyser_runs_over_django_without_error",
    "test_results.py::test_junit_from_pytest_is_ingested_with_counts_and_durations",
    "test_integration.py::test_certify_stores_integration_results_from_a_real_pytest_run",
    "test_sixsigma.py::test_assay_sixsigma_reports_each_run_and_states_its_conventions",
    "test_security_integrity.py::test_a_store_rolled_back_to_an_older_copy",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the longest tests first (the order of the rest is kept)."""
    items.sort(key=lambda item: not any(name in item.nodeid for name in LONG_FIRST))


def pytest_sessionstart(session: pytest.Session) -> None:
    """CI (`.ci/run` sets ASSAY_TEST_REQUIRE_SERVICES=1) runs every test: a missing service
    stops the run at once instead of turning into skipped tests nobody reads."""
    if os.environ.get("ASSAY_TEST_REQUIRE_SERVICES") != "1":
        return
    missing = missing_services()
    if missing:
        pytest.exit(
            "ASSAY_TEST_REQUIRE_SERVICES=1 but these are missing: " + "; ".join(missing),
            returncode=3,
        )


# The pytest plugins this venv holds for the suite itself. A pytest that a test starts (a
# project's own tests, certify's test collection, a tool venv's run) loads none of them:
# importing schemathesis and hypothesis made each such start 3.9 s instead of 0.5 s.
CHILD_PYTEST = " ".join(
    f"-p no:{name}"
    for name in (
        "schemathesis",
        "hypothesispytest",
        "anyio",
        "xdist",
        "xdist.looponfail",
        "platformdirs",
    )
)


def pytest_configure(config: pytest.Config) -> None:
    """Set PYTEST_ADDOPTS for the processes tests start, once this process has loaded its
    own plugins; not in an xdist controller, whose workers must still load theirs."""
    distributing = bool(getattr(config.option, "numprocesses", None))
    if hasattr(config, "workerinput") or not distributing:
        os.environ["PYTEST_ADDOPTS"] = CHILD_PYTEST


# The team server's fixtures (anyio_backend, live, url) live beside its helpers.
pytest_plugins = ["api_support"]


@dataclass(frozen=True)
class Cli:
    """The result of running the real ``assay`` console entry point."""

    code: int
    out: str
    err: str


def run_assay(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> Cli:
    """Run ``assay`` in a new process, as a user would."""
    done = subprocess.run(
        [sys.executable, "-m", "assay.cli.main", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=300,
        check=False,
    )
    return Cli(done.returncode, done.stdout, done.stderr)


def build_venv(root: Path, packages: list[str], *pip_options: str) -> Path:
    """A real virtual environment at ``root`` with ``packages`` installed by pip.

    Skips the calling test, with pip's own words, when the registry cannot be reached.
    """
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    done = subprocess.run(
        [
            str(root / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            *pip_options,
            *packages,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot install from the package registry: {done.stderr[-400:]}")
    return root


# Test tools several test files run in a real environment: one venv for the whole session.
TOOL_PACKAGES = [
    "attrs==24.2.0",
    "python-dateutil==2.9.0.post0",
    "pytest==8.3.3",
    "coverage==7.6.1",
    "pytest-benchmark==4.0.0",
]


def shared_venv(factory: pytest.TempPathFactory, packages: list[str], *pip_options: str) -> Path:
    """``build_venv`` once per test session, shared by the xdist workers.

    Each worker has its own base temporary folder; their parent is the session's. The first
    worker to ask builds the venv under an exclusive lock, the others wait and reuse it."""
    key = hashlib.sha256("\n".join([*sorted(packages), *pip_options]).encode()).hexdigest()[:12]
    base = factory.getbasetemp()
    session = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = session / f"shared-venv-{key}"
    with (session / f"shared-venv-{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".complete").exists():
            shutil.rmtree(root, ignore_errors=True)
            build_venv(root, packages, *pip_options)
            (root / ".complete").touch()
    return root


_HANDLES: dict[tuple[str, str], StoreHandle] = {}


def ctx_of(settings: Settings, name: str = "local", token: str | None = None) -> Context:
    """A service context over ``settings``' store as a front end makes one, acting as
    ``name`` (with ``token``). A test's contexts over one store share its handle, as a
    server's requests do (a handle per call held a pool of connections each, and
    PostgreSQL ran out of them); the handles are closed when the test ends."""
    key = (settings.store_url, str(settings.evidence_dir))
    handle = _HANDLES.get(key)
    if handle is None:
        handle = open_context(settings, Caller(name, token)).stores
        _HANDLES[key] = handle
    return Context(settings, handle, Caller(name, token))


@pytest.fixture(autouse=True)
def _close_contexts() -> Iterator[None]:
    yield
    while _HANDLES:
        _HANDLES.popitem()[1].close()


@pytest.fixture
def assay() -> type[Cli]:
    return Cli


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each back end; PostgreSQL gets its own schema."""
    if request.param == "sqlite":
        (tmp_path / "store").mkdir(exist_ok=True)  # a given store URL's folder must exist
        yield f"sqlite:///{tmp_path / 'store' / 'assay.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL store tests need ASSAY_TEST_POSTGRES_URL (set by .ci/run)")
    schema = f"assay_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def example_project(tmp_path: Path) -> Path:
    """A private copy of the example project (certify writes .assay/ into it)."""
    target = tmp_path / "shipping-quotes"
    shutil.copytree(
        EXAMPLE, target, ignore=shutil.ignore_patterns(".assay", ".venv", "__pycache__")
    )
    return target
