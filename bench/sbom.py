"""Time `assay sbom` against `cyclonedx-py environment` on one environment of 100+ packages.

Usage: python bench/sbom.py [--runs N] [--requirements FILE] [--work DIR]

Builds (once) a virtual environment from the pinned requirements file to be inventoried,
and another with cyclonedx-bom alone, installed as its users install it; then runs each
command N times, interleaved, from a folder with no project files, and prints the median
wall time of each and the ratios. cyclonedx-py is timed as it runs by default (it
validates its output against the schema) and with --no-validate. Assay's own output is
checked against the CycloneDX 1.6 schema once, outside the timing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CYCLONEDX_BOM = "cyclonedx-bom==7.5.0"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--requirements", type=Path, default=HERE / "requirements-bench-env.txt")
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    parser.add_argument("--cyclonedx-bom", default=CYCLONEDX_BOM, help="pip requirement")
    args = parser.parse_args()

    assay = shutil.which("assay", path=str(BIN))
    if not assay:
        print("needs assay beside this Python: run `make bench`", file=sys.stderr)
        return 2
    env = _environment(args.work / "env", [str(args.requirements)], requirements_file=True)
    tool = _environment(args.work / "cyclonedx-py", [args.cyclonedx_bom])
    cyclonedx_py = str(tool / "bin" / "cyclonedx-py")
    peer_version = _run([cyclonedx_py, "--version"]).stdout.strip()
    python = env / "bin" / "python"
    count = len(json.loads(_run([str(python), "-m", "pip", "list", "--format", "json"]).stdout))
    out = args.work / "out"
    out.mkdir(parents=True, exist_ok=True)
    commands = {
        "assay sbom": [assay, "sbom", "--python", str(python), "-o", str(out / "assay.json")],
        "cyclonedx-py (default, validates)": [
            cyclonedx_py,
            "environment",
            "-o",
            str(out / "cdx.json"),
            str(python),
        ],
        "cyclonedx-py --no-validate": [
            cyclonedx_py,
            "environment",
            "--no-validate",
            "-o",
            str(out / "cdx-nv.json"),
            str(python),
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for command in commands.values():  # one warm-up each: page cache, .pyc files
        _run(command, cwd=out)
    for _ in range(args.runs):
        for name, command in commands.items():
            began = time.perf_counter()
            _run(command, cwd=out)
            times[name].append(time.perf_counter() - began)

    valid = _valid(out / "assay.json")
    assay_components = len(json.loads((out / "assay.json").read_text("utf-8"))["components"])
    print(
        f"environment: {env} ({count} distributions per pip list; Assay listed {assay_components})"
    )
    print(f"peer: cyclonedx-py {peer_version} in its own environment ({tool})")
    print(f"runs per command: {args.runs} (median wall time, interleaved)")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        spread = f"min {min(times[name]) * 1000:.0f} / max {max(times[name]) * 1000:.0f} ms"
        print(f"  {name:36s} {median * 1000:7.0f} ms   ({spread})")
    base = medians["assay sbom"]
    for name in list(commands)[1:]:
        print(f"  speed-up of assay over {name}: {medians[name] / base:.2f}x")
    print(f"assay output valid against CycloneDX 1.6 schema: {valid}")
    return 0


def _environment(env: Path, wanted: list[str], *, requirements_file: bool = False) -> Path:
    """A virtual environment with ``wanted`` installed, built once and reused."""
    stamp = env / ".installed"
    key = "\n".join(Path(w).read_text("utf-8") if requirements_file else w for w in wanted)
    if stamp.exists() and stamp.read_text("utf-8") == key:
        return env
    shutil.rmtree(env, ignore_errors=True)
    print(f"building {env} (once)...", file=sys.stderr)
    _run([sys.executable, "-m", "venv", str(env)])
    pip = [str(env / "bin" / "python"), "-m", "pip", "install", "-q"]
    _run([*pip, *(["-r", *wanted] if requirements_file else wanted)])
    stamp.write_text(key, "utf-8")
    return env


def _valid(document: Path) -> bool:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.V1_6).validate_str(document.read_text("utf-8")) is None


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr}")
    return done


if __name__ == "__main__":
    sys.exit(main())
