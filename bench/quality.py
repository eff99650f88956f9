"""Time `assay quality`'s analyser on Django against plain ast.parse, radon and bandit.

Usage: python bench/quality.py [--runs N] [--work DIR]

Installs (once) Django into one environment and radon and bandit into another, then
times on Django's source, in one run: the floor (reading and ``ast.parse`` of every file
in one process), Assay's analyser cold (no cache) and warm (unchanged tree, cache
present), and radon's and bandit's whole-tree runs. Targets: cold <= 2.5x the floor,
warm <= 0.2 s.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DJANGO = "django==5.1.2"
TOOLS = ["radon==6.0.1", "bandit==1.7.10"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=HERE / ".work")
    args = parser.parse_args()
    from assay.services.quality import _python_files, analyse_tree

    django_env = _environment(args.work / "django-env", [DJANGO])
    tools = _environment(args.work / "quality-tools", TOOLS)
    tree = next(django_env.glob("lib/python*/site-packages/django"))
    files = sorted(_python_files(tree))
    print(f"tree: {tree} ({len(files)} Python files, {DJANGO})")

    def floor() -> None:
        for path in files:
            ast.parse(path.read_bytes(), filename=str(path))

    scratch = Path(tempfile.mkdtemp(prefix="assay-quality-bench-"))
    cache = scratch / "cache.json"

    def cold() -> None:
        cache.unlink(missing_ok=True)
        analyse_tree(tree, cache_file=cache)

    def warm() -> None:
        analyse_tree(tree, cache_file=cache)

    timings = {
        "plain ast.parse (the floor, 1 process)": _median(floor, args.runs),
        "assay analyser, cold (no cache, all cores)": _median(cold, args.runs),
    }
    analyse_tree(tree, cache_file=cache)
    timings["assay analyser, warm (unchanged tree)"] = _median(warm, args.runs)
    radon = str(tools / "bin" / "radon")
    bandit = str(tools / "bin" / "bandit")
    timings["radon cc (whole tree)"] = _median(
        lambda: _quiet([radon, "cc", "-s", "-a", str(tree)]), args.runs
    )
    timings["bandit -r (whole tree)"] = _median(
        lambda: _quiet([bandit, "-r", "-q", "-f", "json", str(tree)]), 1
    )
    shutil.rmtree(scratch, ignore_errors=True)
    for name, seconds in timings.items():
        print(f"  {name:45s} {seconds:7.2f} s")
    base = timings["plain ast.parse (the floor, 1 process)"]
    cold_ratio = timings["assay analyser, cold (no cache, all cores)"] / base
    print(f"  cold / floor: {cold_ratio:.2f}x (target <= 2.5x)")
    print(f"  warm: {timings['assay analyser, warm (unchanged tree)']:.2f} s (target <= 0.2 s)")
    return 0


def _median(action: object, runs: int) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def _quiet(command: list[str]) -> None:
    subprocess.run(command, capture_output=True, check=False)


def _environment(env: Path, packages: list[str]) -> Path:
    stamp = env / ".installed"
    if stamp.exists() and stamp.read_text("utf-8") == "\n".join(packages):
        return env
    shutil.rmtree(env, ignore_errors=True)
    print(f"building {env} (once)...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
    subprocess.run([str(env / "bin/python"), "-m", "pip", "install", "-q", *packages], check=True)
    stamp.write_text("\n".join(packages), "utf-8")
    return env


if __name__ == "__main__":
    sys.exit(main())
