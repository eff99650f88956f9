"""Vulnerability figures: import time, matching time, and `assay scan` against pip-audit.

Usage: python bench/vulns.py [--export ZIP] [--runs N] [--work DIR]

1. Import of the shared OSV export into a fresh store (target: at most 2 s).
2. Matching a 1,000-component inventory against the imported data (target: 100 ms),
   made of every package the data names, each at a version its records list, topped up
   with packages the data does not name.
3. In one run, against one environment and one `assay vulndb serve` on 127.0.0.1: the
   wall time of `assay scan --online` (pointed at that server), of `assay scan --offline`,
   and of `pip-audit --osv-url` (pointed at the same server), and their ratios.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PINS = [
    "django==2.2",
    "requests==2.19.0",
    "jinja2==2.10",
    "urllib3==1.24.1",
    "sqlparse==0.4.1",
    "flask==0.12.2",
    "werkzeug==0.15.2",
    "pillow==9.0.0",
    "cryptography==3.2",
    "paramiko==2.4.1",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--export", type=Path, default=HERE.parent.parent / "shared/data/osv-pypi-advisories.zip"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    args = parser.parse_args()
    if not args.export.is_file():
        print(f"needs the OSV export at {args.export}", file=sys.stderr)
        return 2
    project = Path(tempfile.mkdtemp(prefix="assay-bench-"))
    try:
        _import_time(args.export, project)
        _matching_time(project)
        _scan_versus_pip_audit(project, args.work, args.runs)
    finally:
        shutil.rmtree(project, ignore_errors=True)
    return 0


def _import_time(export: Path, project: Path) -> None:
    began = time.perf_counter()
    done = _run([str(BIN / "assay"), "vulndb", "import", str(export), "-C", str(project)])
    wall = time.perf_counter() - began
    line = next(x for x in done.stdout.splitlines() if x.startswith("imported"))
    inside = line.split(" in ")[1].split(" (")[0]
    print(
        f"1. import of {export.name}: {wall:.2f} s wall for the command "
        f"({inside} inside it); target <= 2 s"
    )


def _matching_time(project: Path) -> None:
    from assay.core.inventory import Component, Inventory, Origin
    from assay.core.scan import scan_inventory
    from assay.services.vulndb import records_for
    from assay.settings import load_settings
    from assay.store.database import Store

    settings = load_settings(project)
    store = Store.open(settings.store_url, settings.evidence_dir)
    with store.transaction() as session:
        from sqlalchemy import select

        from assay.store.models import OsvPackageRow

        names = sorted(set(session.scalars(select(OsvPackageRow.package))))
    every = records_for(store, names)
    for label, pick in (
        ("every component at a version its records list (the worst case)", min),
        ("every component above all its records' versions (the usual case)", None),
    ):
        components = []
        for name in names[:1000]:
            listed = sorted(
                v for r in every[name] for a in r.affected if a.name == name for v in a.versions
            )
            if pick is None:
                version = f"{listed[-1].major + 1000}.0" if listed else "1000.0"
            else:
                version = str(pick(listed)) if listed else "1.0"
            components.append(Component(name, version, Origin("bench")))
        filler = 1000 - len(components)
        components += [Component(f"not-in-data-{i}", "1.0", Origin("bench")) for i in range(filler)]
        inventory = Inventory.build(components)
        timings = []
        for _ in range(5):
            began = time.perf_counter()
            records = records_for(store, [c.name for c in inventory.components])
            loaded = time.perf_counter()
            result = scan_inventory(inventory, records, source="bench", snapshot=None)
            timings.append((loaded - began, time.perf_counter() - loaded))
        load = statistics.median(t[0] for t in timings) * 1000
        match = statistics.median(t[1] for t in timings) * 1000
        print(
            f"2. 1,000 components ({len(names[:1000])} named by the data, {filler} not), "
            f"{label}: matching {match:.0f} ms (target <= 100 ms), plus {load:.0f} ms reading "
            f"their records from the store; {len(result.findings)} findings"
        )
    store.close()


def _scan_versus_pip_audit(project: Path, work: Path, runs: int) -> None:
    env = work / "vulnerable-env"
    if not (env / ".installed").exists():
        shutil.rmtree(env, ignore_errors=True)
        _run([sys.executable, "-m", "venv", str(env)])
        _run(
            [
                str(env / "bin/python"),
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--only-binary",
                ":all:",
                *PINS,
            ]
        )
        (env / ".installed").write_text("\n".join(PINS), "utf-8")
    site = next(env.glob("lib/python*/site-packages"))
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "assay"), "vulndb", "serve", "--port", str(port), "-C", str(project)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port)
        url = f"http://127.0.0.1:{port}"
        online_env = {**os.environ, "ASSAY_VULNERABILITIES_OSV_URL": url}
        commands = {
            "assay scan --online (via the server)": (
                [
                    str(BIN / "assay"),
                    "scan",
                    str(project),
                    "--python",
                    str(env),
                    "--online",
                    "-f",
                    "json",
                ],
                online_env,
            ),
            "assay scan --offline (the store)": (
                [
                    str(BIN / "assay"),
                    "scan",
                    str(project),
                    "--python",
                    str(env),
                    "--offline",
                    "-f",
                    "json",
                ],
                None,
            ),
            "pip-audit --osv-url (via the server)": (
                [
                    str(BIN / "pip-audit"),
                    "--path",
                    str(site),
                    "-s",
                    "osv",
                    "--osv-url",
                    f"{url}/v1/query",
                    "-f",
                    "json",
                    "--progress-spinner",
                    "off",
                    "--cache-dir",
                    str(work / "pip-audit-cache"),
                ],
                None,
            ),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, (command, extra) in commands.items():
                began = time.perf_counter()
                done = subprocess.run(
                    command, capture_output=True, text=True, env=extra, check=False, cwd=project
                )
                times[name].append(time.perf_counter() - began)
                if done.returncode not in (0, 1) or not done.stdout.strip():
                    raise SystemExit(f"{name} failed ({done.returncode}):\n{done.stderr[-2000:]}")
        medians = {name: statistics.median(v) for name, v in times.items()}
        print(
            f"3. one environment of {len(PINS)} pinned packages, one server on 127.0.0.1, "
            f"{runs} runs each:"
        )
        for name, median in medians.items():
            print(f"   {name:40s} {median * 1000:7.0f} ms")
        base = medians["pip-audit --osv-url (via the server)"]
        for name in list(commands)[:2]:
            print(f"   pip-audit / {name}: {base / medians[name]:.2f}x")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit("the server did not start within 30 s")


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return done


if __name__ == "__main__":
    sys.exit(main())
