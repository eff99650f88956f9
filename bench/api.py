"""Team server throughput and latency of every route family, beside a bare uvicorn app.

Usage: python bench/api.py [--seconds 10] [--workers 2] [--connections 16]
                           [--routes runs,audit] [--postgres URL]

On SQLite and (with --postgres or ASSAY_TEST_POSTGRES_URL) on PostgreSQL, wrk drives, for
--seconds each, in one run:

- a bare ASGI app answering a constant JSON document, served by uvicorn with as many
  processes as `assay serve` and, like it, one SO_REUSEPORT socket per process: the
  reference; then a FastAPI app of one async route answering the same constant, served
  alike (what the framework costs, for the reader; no target depends on it);
- a live `assay serve --workers N`: GET /health, then one read route or more and one write
  route or more of every area (runs, evidence, releases, certificates, hand-offs, audit,
  governance: principals, tokens, lockdowns, incidents), the reads first;
- the bare app again, to show how far the machine's speed moved during the run.

The store is filled first, through the `assay` command line and the API (the way a team
fills it): the example project that `make demo` certifies, copied, certified for real with
its tests; 40 runs uploaded through the API; 121 releases bound to the certified run, each
signed off for three roles, and a certificate of one; 200 hand-offs, a quarter accepted;
20 incidents with timelines; a lockdown of another release; some 900 audit entries.
Only the hand-offs that the accept load moves are inserted in bulk (creating them is not
what is measured).

One line per route: requests/s, p50, p99, non-2xx answers (and socket errors), requests
without an answer in 10 s, the ratio to the bare app's requests/s, and the verdict.
Targets on a 2-core machine (issue #20): every read reaches a third of the bare app's
requests/s with p99 <= 50 ms and no error; the hand-off accept write >= 300 requests/s;
the other writes are reported. A summary line per backend.

wrk (Debian's 4.1) comes from scripts/debian-tools.sh into .venv/tools; the servers and
wrk share the machine's cores, as they would on a small deployment with its proxy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
WRK = ROOT / ".venv" / "tools" / "bin" / "wrk"
EXAMPLE = ROOT / "examples" / "shipping-quotes"
ADVISORIES = ROOT.parent / "shared" / "data" / "osv-pypi-advisories.zip"
PASSPHRASE = "bench passphrase, not a secret"
API = "/api/v1"
READ_TARGET_SHARE = 1 / 3
READ_P99_MS = 50.0
TIMEOUT_S = 10
"""wrk's time limit for an answer (its default, 2 s, dropped the slowest writes from the
percentiles)."""
ACCEPT_TARGET = 300
PRINCIPALS = {  # name: (role, agent)
    "admin@bench": ("admin", False),
    "lead@bench": ("tech_lead", False),
    "qa@bench": ("qa", False),
    "sec@bench": ("security", False),
    "agent-a": ("agent", True),
    "agent-b": ("agent", True),
}
SIGNERS = {"qa": "qa@bench", "tech_lead": "lead@bench", "security": "sec@bench"}
UPLOADED_RUNS = 40
HANDOFFS = 200
INCIDENTS = 20
READY_RELEASES = 120
"""Ready releases the certificate load issues for in turn: a release's two certificates in
the same second have the same statement, which the store refuses (a 500 answer), so the
load stays below one request a second on each release up to 120 requests/s."""

# The example's gates that it cannot pass (it has no benchmarks, load or integration
# tests, alert rules, and a short README) are switched off, so that its release can be
# signed off and certified.
CONFIG = """\
[server]
rate_limit_per_minute = 0

[tests]
command = {command}
results = ["build/junit.xml"]

[signoff.roles]
qa = 1
tech_lead = 1
security = 1
{gates}"""
SWITCHED_OFF = {
    "PROD-002": "bench: the example has no benchmarks",
    "PROD-005": "bench: the example has no integration tests",
    "PROD-006": "bench: the example has no load tests",
    "PROD-007": "bench: the example's README is short",
    "PROD-008": "bench: the example has no alert rules",
}

# wrk scripts. A request function builds each request; without one wrk sends the same one.
ACCEPT_SCRIPT = """
local ids = {}
for line in io.lines("%s") do ids[#ids + 1] = line end
local i = 0
request = function()
  i = i + 1
  local id = ids[i] or ids[#ids]
  return wrk.format("POST", "/api/v1/handoffs/" .. id .. "/accept", nil, nil)
end
"""
BODY_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "%s"
local f = assert(io.open("%s", "rb"))
wrk.body = f:read("*a")
f:close()
"""
RELEASE_SCRIPT = """
wrk.headers["Content-Type"] = "application/json"
local i = 0
request = function()
  i = i + 1
  local body = '{"name": "%s-' .. i .. '", "run": "%s"}'
  return wrk.format("POST", "%s", nil, body)
end
"""
ROTATE_SCRIPT = """
wrk.headers["Content-Type"] = "application/json"
local ids = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "%s" .. ids[(i %% #ids) + 1] .. "%s", nil, '%s')
end
"""


@dataclass(frozen=True)
class Load:
    area: str
    kind: str
    """read, write, or bare (a reference app)."""
    label: str
    path: str
    who: str | None
    script: str | None = None
    target: int | None = None
    """The write's requests/s target, if it has one."""


@dataclass
class Fixture:
    """What the preparation made, for the loads to name."""

    folder: Path
    project: str = ""
    run: str = ""
    sbom: str = ""
    release: str = "1.4.0"
    certificate: str = ""
    handoff: str = ""
    ready: list[str] = field(default_factory=list)
    """Releases signed off and ready, one for each certificate the write load issues."""
    incidents: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


# The reference: a constant JSON document, with the least an ASGI app can do.

BARE_BODY = b'{"status":"ok","service":"bare"}'
BARE_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BARE_BODY)).encode()),
]

Message = MutableMapping[str, Any]


async def bare_app(
    scope: Message,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": BARE_HEADERS})
    await send({"type": "http.response.body", "body": BARE_BODY})


def fastapi_app() -> Any:
    """The same constant from a FastAPI app of one async route, with no middleware: what the
    framework itself costs."""
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/")
    async def constant() -> dict[str, str]:
        return {"status": "ok", "service": "fastapi"}

    return app


def _bare_worker(port: int, kind: str) -> None:
    """One process of a reference app: uvicorn with the settings `assay serve` gives it
    (its defaults, so uvloop and httptools where installed; no access log), on a socket of
    its own bound with SO_REUSEPORT as assay.serving binds each of its processes'."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    app = bare_app if kind == "asgi" else fastapi_app()
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def _reference(kind: str, fixture: Fixture, args: argparse.Namespace) -> dict[str, float]:
    """wrk against a reference app in --workers processes, started for the load."""
    port = _free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "--bare-worker", str(port), kind]
    processes = [subprocess.Popen(command) for _ in range(args.workers)]
    try:
        _wait_listening(port, args.workers, "/", processes)
        return _wrk(f"http://127.0.0.1:{port}/", args.seconds, args.connections, None, None)
    finally:
        _stop(processes)


# Filling the store.


def _run(fixture: Fixture, *args: str | Path, principal: str | None = None) -> str:
    """`assay ARGS` as a subprocess; its standard output."""
    env = dict(fixture.env)
    if principal:
        env["ASSAY_PRINCIPAL"] = principal
    command = [sys.executable, "-m", "assay.cli.main", *(str(a) for a in args)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=fixture.folder)
    if done.returncode not in (0, 1) or (done.returncode == 1 and args[0] != "certify"):
        raise SystemExit(f"assay {' '.join(map(str, args))} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def _project(url: str | None) -> Fixture:
    """A copy of the example project with the bench's assay.toml, its own key folder, and
    an environment without the caller's ASSAY_* variables."""
    folder = Path(tempfile.mkdtemp(prefix="assay-api-bench-"))
    project = folder / "shipping-quotes"
    tracked = subprocess.run(
        ["git", "-C", str(EXAMPLE), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:  # not the example's own .assay of `make demo`
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE / name, project / name)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command.append("--junitxml=build/junit.xml")
    off = dict(SWITCHED_OFF)
    if not ADVISORIES.is_file():
        off["PROD-003"] = f"bench: no vulnerability data at {ADVISORIES}"
    gates = "".join(
        f'\n[gates.{gate}]\nenabled = false\nreason = "{why}"\n' for gate, why in off.items()
    )
    config = CONFIG.format(command=json.dumps(command), gates=gates)
    if url:
        config = f'[store]\nurl = "{url}"\n\n' + config
    (project / "assay.toml").write_text(config, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    env |= {"ASSAY_SIGNING_KEY_DIR": str(folder / "keys"), "ASSAY_KEY_PASSPHRASE": PASSPHRASE}
    return Fixture(project, env=env)


def _prepare_offline(fixture: Fixture) -> None:
    """What the command line does before the server runs: vulnerability data, a signing
    key, a real certify run, principals and their tokens."""
    if ADVISORIES.is_file():
        _run(fixture, "vulndb", "import", ADVISORIES, "-C", ".")
    _run(fixture, "keys", "generate", "-C", ".")
    _run(fixture, "certify", "-C", ".", "--author", "ci@bench")
    first = True
    for name, (role, agent) in PRINCIPALS.items():
        flags = ["--agent"] if agent else []
        admin = None if first else "admin@bench"
        _run(fixture, "principal", "add", name, "--role", role, *flags, "-C", ".", principal=admin)
        first = False
    for name in PRINCIPALS:  # each its own: a sign-off token needs no second admin
        token = _run(fixture, "token", "issue", name, "-C", ".", principal=name)
        fixture.tokens[name] = token.strip().splitlines()[-1]


def _prepare_online(fixture: Fixture, base: str) -> None:
    """Through the API, as a team fills it: uploaded runs, releases signed off for three
    roles and a certificate, hand-offs, incidents with timelines and a lockdown. Four
    requests at a time, where their order does not matter."""
    with httpx.Client(base_url=base + API, timeout=60) as api, ThreadPoolExecutor(4) as pool:

        def call(method: str, path: str, who: str, **kwargs: Any) -> Any:
            headers = fixture.auth(who) | kwargs.pop("headers", {})
            answer = api.request(method, path, headers=headers, **kwargs)
            if answer.status_code >= 300:
                raise SystemExit(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
            return answer.json() if answer.content else None

        def each(work: Callable[[int], Any], count: int) -> list[Any]:
            return list(pool.map(work, range(count)))

        certified = call("GET", "/runs?limit=1", "admin@bench")["items"][0]
        fixture.project, fixture.run = certified["project"], certified["id"]
        sbom = next(e for e in certified["evidence"] if e["kind"] == "sbom.cyclonedx")
        fixture.sbom = sbom["id"]
        document = api.get(f"/evidence/{fixture.sbom}", headers=fixture.auth("admin@bench"))
        (fixture.folder.parent / "sbom.json").write_bytes(document.content)
        junit = (fixture.folder / "build" / "junit.xml").read_bytes()
        runs = f"/projects/{fixture.project}/runs"
        files = [("junit", ("junit.xml", junit, "application/xml"))]
        each(
            lambda n: call("POST", runs, "agent-a", files=files, data={"commit": f"{n:040x}"}),
            UPLOADED_RUNS,
        )

        def signed_off(name: str, read_first: bool = False) -> None:
            body = {"name": name, "run": fixture.run}
            call("POST", f"/projects/{fixture.project}/releases", "lead@bench", json=body)
            release = f"/projects/{fixture.project}/releases/{name}"
            for role, signer in SIGNERS.items():
                body, match = {"role": role, "decision": "approve"}, {}
                if read_first:  # as a signer does: read it, sign what was read
                    match = {
                        "If-Match": api.get(release, headers=fixture.auth(signer)).headers["etag"]
                    }
                call("POST", f"{release}/signoffs", signer, json=body, headers=match)

        signed_off(fixture.release, read_first=True)
        release = f"/projects/{fixture.project}/releases/{fixture.release}"
        fixture.certificate = call("POST", f"{release}/certificates", "lead@bench")["id"]
        fixture.ready = [f"{fixture.release}-rc.{n}" for n in range(READY_RELEASES)]
        each(lambda n: signed_off(fixture.ready[n]), READY_RELEASES)
        made = each(
            lambda n: call("POST", "/handoffs", "agent-a", json=_handoff(fixture.project, n)),
            HANDOFFS,
        )
        offered = [m["id"] for m in made]
        each(lambda n: call("POST", f"/handoffs/{offered[n]}/accept", "agent-b"), HANDOFFS // 4)
        fixture.handoff = offered[-1]

        def incident(n: int) -> str:
            body = {"severity": ["low", "medium", "high"][n % 3], "title": f"Incident {n}"}
            ident: str = call("POST", "/incidents", "admin@bench", json=body)["id"]
            for status in ("investigating", "resolved"):
                note = {"status": status, "note": f"{status}: see the runbook"}
                call("POST", f"/incidents/{ident}/updates", "sec@bench", json=note)
            return ident

        fixture.incidents = each(incident, INCIDENTS)
        lockdown = {"level": 1, "scope": "release", "reason": "bench: a frozen release"}
        lockdown["target"] = f"{fixture.project}@0.9.0"
        call("POST", "/lockdowns", "sec@bench", json=lockdown)
        entries = call("GET", "/audit/verify", "admin@bench")["entries"]
    print(
        f"{'':<10} prepared: {UPLOADED_RUNS + 1} runs, {READY_RELEASES + 1} releases each "
        f"signed off for {len(SIGNERS)} roles, a certificate, {HANDOFFS} hand-offs, "
        f"{INCIDENTS} incidents with timelines, a lockdown, {entries:,} audit entries",
        flush=True,
    )


def _handoff(project: str, n: int) -> dict[str, Any]:
    return {
        "title": f"Raise the coverage of zone pricing, part {n}",
        "summary": "Zones 4 and 5 round prices differently; cover both with tests.",
        "assignee": "agent-b",
        "project": project,
        "context": {
            "open_items": ["zone 5 rounding", "weekend delivery dates"],
            "links": [f"https://tracker.example/SHIP-{n}"],
        },
        "criteria": [{"check": "tests_pass"}, {"check": "coverage_at_least", "value": 80}],
        "reviewers": ["lead@bench"],
    }


def _offered(fixture: Fixture, count: int) -> list[str]:
    """Hand-offs for the accept load, inserted in one transaction."""
    from assay.settings import load_settings
    from assay.store import repositories as repo
    from assay.store.database import Store
    from assay.store.models import HandoffRow

    settings = load_settings(fixture.folder)
    now = datetime.now(UTC)
    store = Store.open(settings.store_url, settings.evidence_dir)
    ids = [repo.new_id() for _ in range(count)]
    criteria = json.dumps([{"check": "tests_pass"}])
    try:
        with store.transaction() as session:
            session.add_all(
                HandoffRow(
                    id=ident,
                    project=fixture.project,
                    title=f"bench {n}",
                    summary="",
                    context="{}",
                    criteria=criteria,
                    created_by="agent-a",
                    assignee="agent-b",
                    state="offered",
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                for n, ident in enumerate(ids)
            )
    finally:
        store.close()
    return ids


# Serving and measuring.


def _serve(fixture: Fixture, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "assay.cli.main", "serve", "-C", str(fixture.folder)]
    command += ["--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # one JSON line per request: not what is measured
        env=fixture.env,
    )
    _wait_listening(port, workers, "/health", [process])
    return process


def _wait_listening(
    port: int, workers: int, path: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # Every process listening (each has a socket of its own), not only the first: wrk
        # opens its connections at once, and a process that comes up later gets none.
        if _listening(port) >= workers:
            try:
                if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    _stop(processes)
    raise SystemExit(f"the server on port {port} did not start")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _listening(port: int) -> int:
    """Listening TCP sockets on ``port`` (from /proc/net/tcp)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if _field_port(line) == port and line.split()[3] == "0A")


def _field_port(line: str) -> int:
    return int(line.split()[1].split(":")[1], 16)


def _wrk(
    url: str, seconds: int, connections: int, token: str | None, script: Path | None
) -> dict[str, float]:
    command = [str(WRK), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command.append(f"--timeout={TIMEOUT_S}s")
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if script:
        command += ["-s", str(script)]
    env = {**os.environ, "LD_LIBRARY_PATH": str(WRK.parent.parent / "lib")}
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True, env=env)
    out = done.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    figures = {"rate": rate, "p50": _ms(out, "50%"), "p99": _ms(out, "99%")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["errors"] = float(errors.group(1)) if errors else 0.0
    # "Socket errors: connect 0, read 0, write 0, timeout 3": a request that timed out is
    # in no percentile, so the timeouts are shown beside them.
    failed = dict(re.findall(r"(connect|read|write|timeout) (\d+)", out))
    figures["timeouts"] = float(failed.get("timeout", 0))
    figures["errors"] += sum(float(failed.get(k, 0)) for k in ("connect", "read", "write"))
    return figures


def _ms(output: str, percentile: str) -> float:
    match = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\b", output)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _reads(f: Fixture) -> list[Load]:
    release = f"{API}/projects/{f.project}/releases/{f.release}"
    admin = "admin@bench"
    return [
        Load("server", "read", "GET /health", "/health", admin),
        Load("runs", "read", "GET /api/v1/runs?limit=20", f"{API}/runs?limit=20", admin),
        Load("runs", "read", "GET /api/v1/runs/{id}/gates", f"{API}/runs/{f.run}/gates", admin),
        Load(
            "evidence",
            "read",
            "GET /api/v1/evidence/{id} (SBOM)",
            f"{API}/evidence/{f.sbom}",
            admin,
        ),
        Load("releases", "read", "GET /api/v1/projects/{p}/releases/{name}", release, admin),
        Load(
            "certificates",
            "read",
            "GET /api/v1/certificates/{id}",
            f"{API}/certificates/{f.certificate}",
            admin,
        ),
        Load("certificates", "read", "GET /api/v1/certificates", f"{API}/certificates", admin),
        Load(
            "hand-offs",
            "read",
            "GET /api/v1/handoffs/{id}",
            f"{API}/handoffs/{f.handoff}",
            "agent-a",
        ),
        Load(
            "hand-offs",
            "read",
            "GET /api/v1/handoffs?limit=50",
            f"{API}/handoffs?limit=50",
            "agent-a",
        ),
        Load(
            "audit",
            "read",
            "GET /api/v1/audit/entries?limit=100",
            f"{API}/audit/entries?limit=100",
            admin,
        ),
        Load("governance", "read", "GET /api/v1/principals", f"{API}/principals", admin),
        Load("governance", "read", "GET /api/v1/tokens", f"{API}/tokens", admin),
        Load("governance", "read", "GET /api/v1/lockdowns", f"{API}/lockdowns", admin),
        Load("governance", "read", "GET /api/v1/incidents", f"{API}/incidents", admin),
    ]


def _writes(f: Fixture, offered: Path) -> list[Load]:
    """Each write repeats, or each request names an object of its own (the accept load
    reads the hand-offs it accepts from ``offered``, one id a line)."""
    folder = f.folder.parent
    junit = (f.folder / "build" / "junit.xml").read_bytes()
    upload_junit = _multipart(folder / "junit.body", [("junit", "junit.xml", junit)])
    sbom_bytes = (folder / "sbom.json").read_bytes()
    upload_sbom = _multipart(folder / "sbom.body", [("sbom", "sbom.cdx.json", sbom_bytes)])
    runs = f"{API}/projects/{f.project}/runs"
    incidents = ",".join(f'"{i}"' for i in f.incidents)
    ready = ",".join(f'"{name}"' for name in f.ready)
    note = json.dumps({"status": "investigating", "note": "bench: still looking"})
    prefix = f"bench-{uuid.uuid4().hex[:6]}"
    handoff = _body(folder / "handoff.json", _handoff(f.project, 0))
    incident = _body(folder / "incident.json", {"severity": "low", "title": "bench incident"})
    admin = "admin@bench"
    return [
        Load(
            "runs", "write", "POST /api/v1/projects/{p}/runs (junit)", runs, "agent-a", upload_junit
        ),
        Load(
            "evidence",
            "write",
            "POST /api/v1/projects/{p}/runs (SBOM)",
            runs,
            "agent-a",
            upload_sbom,
        ),
        Load(
            "releases",
            "write",
            "POST /api/v1/projects/{p}/releases",
            f"{API}/projects/{f.project}/releases",
            "lead@bench",
            RELEASE_SCRIPT % (prefix, f.run, f"{API}/projects/{f.project}/releases"),
        ),
        Load(
            "certificates",
            "write",
            "POST /api/v1/projects/{p}/releases/{name}/certificates",
            "/",
            "lead@bench",
            ROTATE_SCRIPT % (ready, f"{API}/projects/{f.project}/releases/", "/certificates", ""),
        ),
        Load(
            "hand-offs",
            "write",
            "POST /api/v1/handoffs/{id}/accept",
            "/",
            "agent-b",
            ACCEPT_SCRIPT % offered,
            ACCEPT_TARGET,
        ),
        Load("hand-offs", "write", "POST /api/v1/handoffs", f"{API}/handoffs", "agent-a", handoff),
        Load(
            "audit",
            "write",
            "POST /api/v1/incidents/{id}/updates",
            "/",
            "sec@bench",
            ROTATE_SCRIPT % (incidents, f"{API}/incidents/", "/updates", note),
        ),
        Load("governance", "write", "POST /api/v1/incidents", f"{API}/incidents", admin, incident),
    ]


def _multipart(path: Path, files: list[tuple[str, str, bytes]]) -> str:
    request = httpx.Request("POST", "http://x/", files=[(k, (n, d)) for k, n, d in files])
    path.write_bytes(request.read())
    return BODY_SCRIPT % (request.headers["content-type"], path)


def _body(path: Path, document: dict[str, Any]) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return BODY_SCRIPT % ("application/json", path)


def _measure(load: Load, base: str, fixture: Fixture, args: argparse.Namespace) -> dict[str, float]:
    script = None
    if load.script:
        script = fixture.folder.parent / f"load-{uuid.uuid4().hex[:8]}.lua"
        script.write_text(load.script, encoding="utf-8")
    token = fixture.tokens[load.who] if load.who else None
    return _wrk(base + load.path, args.seconds, args.connections, token, script)


def _line(name: str, load: Load, figures: dict[str, float], bare: float) -> str:
    ratio = figures["rate"] / bare if bare else float("nan")
    errors = figures["errors"] + figures["timeouts"]
    if load.kind == "bare":
        verdict = "reference"
    elif load.kind == "read":
        met = ratio >= READ_TARGET_SHARE and figures["p99"] <= READ_P99_MS and not errors
        verdict = "met" if met else "MISSED"
    elif load.target is not None:
        verdict = "met" if figures["rate"] >= load.target and not errors else "MISSED"
        verdict += f" (>= {load.target}/s)"
    else:
        verdict = "report"
    return (
        f"{name:<10} {load.kind:<5} {load.label:<54} {figures['rate']:>8,.0f} req/s  "
        f"p50 {figures['p50']:>7.2f} ms  p99 {figures['p99']:>7.2f} ms  "
        f"non-2xx {figures['errors']:>3.0f}  timeouts {figures['timeouts']:>3.0f}  "
        f"{ratio:>5.2f}x bare  {verdict}"
    )


def _chosen(load: Load, routes: list[str]) -> bool:
    words = f"{load.area} {load.kind} {load.label}".lower()
    return not routes or any(r in words for r in routes)


def bench(name: str, url: str | None, args: argparse.Namespace) -> None:
    started = time.monotonic()
    fixture = _project(url)
    routes = [r.strip().lower() for r in args.routes.split(",") if r.strip()]
    server: subprocess.Popen[bytes] | None = None
    try:
        _prepare_offline(fixture)
        port = _free_port()
        server = _serve(fixture, port, args.workers)
        base = f"http://127.0.0.1:{port}"
        _prepare_online(fixture, base)
        print(f"{name:<10} store filled in {time.monotonic() - started:.0f} s", flush=True)

        bare_load = Load("bare", "bare", "GET / (bare uvicorn ASGI app, a constant)", "/", None)
        figures = _reference("asgi", fixture, args)
        bare = figures["rate"]
        print(_line(name, bare_load, figures, bare), flush=True)
        framework = Load("bare", "bare", "GET / (FastAPI app, the same constant)", "/", None)
        print(_line(name, framework, _reference("fastapi", fixture, args), bare), flush=True)

        results: list[tuple[Load, dict[str, float]]] = []
        for load in _reads(fixture):
            if _chosen(load, routes):
                figures = _measure(load, base, fixture, args)
                results.append((load, figures))
                print(_line(name, load, figures, bare), flush=True)
        offered = fixture.folder.parent / "offered.txt"
        writes = [w for w in _writes(fixture, offered) if _chosen(w, routes)]
        if any(w.target for w in writes):
            # A fresh hand-off for each accept: 1,000 a second, more than any load moved.
            ids = _offered(fixture, args.handoffs or 1_000 * args.seconds)
            offered.write_text("\n".join(ids) + "\n", encoding="utf-8")
        for load in writes:
            figures = _measure(load, base, fixture, args)
            results.append((load, figures))
            print(_line(name, load, figures, bare), flush=True)
        again = _reference("asgi", fixture, args)
        again_load = replace(bare_load, label=bare_load.label + ", again")
        print(_line(name, again_load, again, bare), flush=True)
        _summary(name, bare, again["rate"], results)
    finally:
        if server is not None:
            _stop([server])
        shutil.rmtree(fixture.folder.parent, ignore_errors=True)


def _summary(
    name: str, bare: float, again: float, results: list[tuple[Load, dict[str, float]]]
) -> None:
    reads = [(load, f) for load, f in results if load.kind == "read"]
    missed = [
        load.label
        for load, f in reads
        if f["rate"] < bare * READ_TARGET_SHARE
        or f["p99"] > READ_P99_MS
        or f["errors"] + f["timeouts"]
    ]
    targeted = [(load, f) for load, f in results if load.kind == "write" and load.target]
    writes = "; ".join(
        f"{load.label} {f['rate']:,.0f}/s "
        + (
            "met"
            if f["rate"] >= (load.target or 0) and not f["errors"] + f["timeouts"]
            else "MISSED"
        )
        + f" (>= {load.target}/s)"
        for load, f in targeted
    )
    print(
        f"{name:<10} summary: bare app {bare:,.0f} req/s (at the end {again:,.0f}), read target "
        f">= {bare * READ_TARGET_SHARE:,.0f} req/s with p99 <= {READ_P99_MS:.0f} ms; "
        f"{len(reads) - len(missed)} of {len(reads)} reads met"
        + (f", MISSED: {', '.join(missed)}" if missed else "")
        + (f"; {writes}" if writes else ""),
        flush=True,
    )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--bare-worker":
        _bare_worker(int(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="per route")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--routes",
        default="",
        help="only routes whose area, kind or label holds one of these words "
        "(comma-separated, e.g. runs,audit or read); the bare app always runs",
    )
    parser.add_argument(
        "--handoffs", type=int, default=0, help="hand-offs for the accept load (1,000 a second)"
    )
    parser.add_argument("--postgres", default=os.environ.get("ASSAY_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not WRK.exists():
        raise SystemExit(f"wrk is not at {WRK}: run make install-test (scripts/debian-tools.sh)")
    print(
        f"wrk -t1 -c{args.connections} -d{args.seconds}s; assay serve --workers {args.workers} "
        f"and the bare app in {args.workers} processes; {os.cpu_count()} cores"
    )
    bench("sqlite", None, args)
    if args.postgres:
        from assay.store.database import normalise_url

        schema = f"assay_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(normalise_url(args.postgres))
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in args.postgres else "?"
        try:
            bench("postgresql", f"{args.postgres}{separator}options=-csearch_path%3D{schema}", args)
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    else:
        print("postgresql skipped: pass --postgres URL or set ASSAY_TEST_POSTGRES_URL")


if __name__ == "__main__":
    main()
