"""Team server throughput and latency, driven by wrk against a live `assay serve`.

Usage: python bench/api.py [--seconds 30] [--workers 2] [--connections 32] [--postgres URL]

Three loads, each for --seconds, on SQLite and (with --postgres) on PostgreSQL:
GET /health; GET one hand-off with a bearer token (authentication, a store read);
POST a hand-off transition (accept: authentication, a locked read, the state change and
its signed audit entry in one transaction), each request on a different hand-off.
Targets on a 2-core machine: >= 1,500 requests/s with p99 <= 50 ms for the reads,
>= 300 requests/s for the writes.

wrk (Debian's 4.1) comes from scripts/debian-tools.sh into .venv/tools; the server and
wrk share the machine's cores, as they would on a small deployment with its proxy.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from assay.services.access import add_principal, issue_token
from assay.settings import load_settings
from assay.store import repositories as repo
from assay.store.database import Store, normalise_url
from assay.store.models import HandoffRow

ROOT = Path(__file__).resolve().parent.parent
WRK = ROOT / ".venv" / "tools" / "bin" / "wrk"
WRITE_SCRIPT = """
local ids = {%s}
local i = 0
request = function()
  i = i + 1
  local id = ids[i] or ids[#ids]
  return wrk.format("POST", "/api/v1/handoffs/" .. id .. "/accept", nil, nil)
end
"""


def _project(url: str | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="assay-api-bench-"))
    store = f'[store]\nurl = "{url}"\n\n' if url else ""
    config = store + "[server]\nrate_limit_per_minute = 0\n"
    (folder / "assay.toml").write_text(config, encoding="utf-8")
    return folder


def _prepare(project: Path, handoffs: int) -> tuple[str, str, list[str]]:
    """Principals and tokens through the services; the hand-offs to accept inserted in
    one transaction (creating them is not what is measured)."""
    settings = load_settings(project)
    now = datetime.now(UTC)
    add_principal(settings, "admin@bench", "admin@bench", "person", ["admin"], now)
    add_principal(settings, "admin@bench", "agent-a", "agent", ["agent"], now)
    add_principal(settings, "admin@bench", "agent-b", "agent", ["agent"], now)
    reader = issue_token(settings, "admin@bench", "agent-a", ["*"], 1, now).token
    writer = issue_token(settings, "admin@bench", "agent-b", ["*"], 1, now).token
    store = Store.open(settings.store_url, settings.evidence_dir)
    ids = [repo.new_id() for _ in range(handoffs)]
    try:
        with store.transaction() as session:
            session.add_all(
                HandoffRow(
                    id=ident,
                    title=f"bench {n}",
                    summary="",
                    context="{}",
                    criteria="[]",
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
    return reader, writer, ids


def _serve(project: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "assay.cli.main", "serve", "-C", str(project)]
    command += ["--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # one JSON line per request: not what is measured
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        # Every process listening (each has a socket of its own), not only the first: wrk
        # opens its connections at once, and a process that comes up later gets none.
        if _listening(port) >= workers:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return process
            except httpx.TransportError:
                pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("assay serve did not start")


def _listening(port: int) -> int:
    """Listening TCP sockets on ``port`` (from /proc/net/tcp)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if _field_port(line) == port and line.split()[3] == "0A")


def _field_port(line: str) -> int:
    return int(line.split()[1].split(":")[1], 16)


def _wrk(
    url: str, seconds: int, connections: int, token: str, script: Path | None
) -> dict[str, float]:
    command = [str(WRK), "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
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
    return figures


def _ms(output: str, percentile: str) -> float:
    match = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\b", output)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bench(name: str, url: str | None, args: argparse.Namespace) -> None:
    project = _project(url)
    # Enough hand-offs that every write of the run accepts a fresh one.
    reader, writer, ids = _prepare(project, args.handoffs)
    port = _free_port()
    server = _serve(project, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    script = project / "accept.lua"
    script.write_text(WRITE_SCRIPT % ",".join(f'"{i}"' for i in ids), encoding="utf-8")
    try:
        loads = [
            ("GET /health", f"{base}/health", reader, None, "read"),
            (
                "GET /api/v1/handoffs/{id}",
                f"{base}/api/v1/handoffs/{ids[-1]}",
                reader,
                None,
                "read",
            ),
            ("POST /api/v1/handoffs/{id}/accept", base, writer, script, "write"),
        ]
        for label, target, token, lua, kind in loads:
            figures = _wrk(target, args.seconds, args.connections, token, lua)
            target_rate = 1500 if kind == "read" else 300
            verdict = figures["rate"] >= target_rate and (kind == "write" or figures["p99"] <= 50)
            print(
                f"{name:<10} {label:<36} {figures['rate']:>9,.0f} req/s  "
                f"p50 {figures['p50']:>6.2f} ms  p99 {figures['p99']:>6.2f} ms  "
                f"non-2xx {figures['errors']:>5.0f}  target {target_rate:,}/s"
                + (" p99<=50ms" if kind == "read" else "")
                + f"  {'met' if verdict else 'MISSED'}",
                flush=True,
            )
        accepted = httpx.get(
            f"{base}/api/v1/handoffs/summary", headers={"Authorization": f"Bearer {reader}"}
        ).json()["counts"]["accepted"]
        print(f"{name:<10} hand-offs accepted by the write load: {accepted:,}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(project, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--handoffs", type=int, default=40_000)
    parser.add_argument("--postgres", default=os.environ.get("ASSAY_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not WRK.exists():
        raise SystemExit(f"wrk is not at {WRK}: run make install-test (scripts/debian-tools.sh)")
    print(f"wrk -t1 -c{args.connections} -d{args.seconds}s; assay serve --workers {args.workers}")
    bench("sqlite", None, args)
    if args.postgres:
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
