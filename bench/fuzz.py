"""Fuzz every parser of outside input at length (issue 19).

Usage: python bench/fuzz.py [--examples N] [--seconds S] [--targets a,b] [--out DIR]
                            [--engine hypothesis|atheris] [--seed N]

The targets are those of tests/fuzz_targets.py (which tests/test_security_fuzz.py runs
briefly in ``make test``): a lock file, a result file, an OSV record, a policy, a DSSE
envelope... handed to Assay as the product hands it over. An input must give a result or
an ``AssayError``; anything else is a crash. For each target this prints the inputs tried
(shrinking included), the crashes found and the slowest input, then the totals; each
crash's minimised input and traceback go to ``--out`` (default ``.fuzz-crashes``). Exit 1
when a crash was found.

Engines: ``hypothesis`` (default) mutates the seeds as the tests do, by bytes and by
structure, in batches of 200 inputs with successive seeds until ``--examples`` inputs or
``--seconds`` per target. ``atheris`` (coverage-guided libFuzzer, ``pip install atheris``:
a wheel for CPython 3.11 on Linux x86-64; it is not a project dependency) runs each target
in its own process from the same seeds, ``--examples`` runs or ``--seconds`` each, and
stops a target at its first crash.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fuzz_targets import CLEAN, TARGETS, Target, inputs, target

BATCH = 200


@dataclass
class Tally:
    name: str
    tried: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    crashes: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """(exception type, innermost Assay frame) -> (smallest input seen, traceback)."""


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/assay/" in f.filename] or frames
    last = ours[-1]
    return f"{type(exc).__name__} at {Path(last.filename).name}:{last.lineno} ({last.name})"


def _hypothesis(
    fuzzed: Target, examples: int, seconds: float, first_seed: int, out: Path, hang: float
) -> Tally:
    tally = Tally(fuzzed.name)
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    current = out / f"{fuzzed.name}-hang.bin"
    log = (out / "hang.txt").open("w", encoding="utf-8")

    def run(data: bytes) -> None:
        tally.tried += 1
        start = time.perf_counter()
        # An input that runs ``hang`` seconds ends the process (a regular expression
        # that backtracks forever cannot be interrupted); it is left in ``current``.
        current.write_bytes(data)
        faulthandler.dump_traceback_later(hang, exit=True, file=log)
        try:
            fuzzed.run(data)
        except CLEAN:
            pass
        except (Exception, RecursionError) as exc:  # a crash: keep the smallest input
            key = _where(exc)
            known = tally.crashes.get(key)
            if known is None or len(data) <= len(known[0]):
                tally.crashes[key] = (data, traceback.format_exc())
            raise
        finally:
            faulthandler.cancel_dump_traceback_later()
            tally.slowest = max(tally.slowest, time.perf_counter() - start)

    batch = 0
    while tally.tried < examples and time.perf_counter() - began < seconds:
        count = min(BATCH, examples - tally.tried)

        @seed(first_seed + batch)
        @settings(
            max_examples=count,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=True,
            # No "explain" phase: it traces every line, and makes a deep input look hung.
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        )
        @given(data=inputs(fuzzed))
        def parse(data: bytes) -> None:
            run(data)

        before = tally.tried
        try:
            parse()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # the crashes are in the tally; anything else is ours
            if tally.tried == before:
                raise RuntimeError(f"{fuzzed.name}: no input could be made") from exc
        batch += 1
    tally.seconds = time.perf_counter() - began
    current.unlink(missing_ok=True)
    log.close()
    return tally


_DONE = re.compile(r"Done (\d+) runs in (\d+) second")
_STATS = re.compile(r"#(\d+)\s")


def _atheris(fuzzed: Target, examples: int, seconds: float, out: Path, hang: float) -> Tally:
    tally = Tally(fuzzed.name)
    with tempfile.TemporaryDirectory(prefix=f"assay-fuzz-{fuzzed.name}-") as corpus:
        for index, data in enumerate(fuzzed.seeds()):
            (Path(corpus) / f"seed-{index}").write_bytes(data)
        longest = max(len(s) for s in fuzzed.seeds())
        prefix = out / f"{fuzzed.name}-atheris-"
        out.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--atheris-child",
                fuzzed.name,
                f"-runs={examples}",
                f"-max_total_time={max(1, int(seconds))}",
                f"-max_len={max(4096, 2 * longest)}",
                f"-timeout={max(1, int(hang))}",
                f"-artifact_prefix={prefix}",
                "-print_final_stats=1",
                corpus,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        tally.seconds = time.perf_counter() - began
    log = done.stderr
    counts = [int(m.group(1)) for m in _STATS.finditer(log)]
    total = _DONE.search(log)
    tally.tried = int(total.group(1)) if total else max(counts, default=0)
    if "Uncaught Python exception" in log or "ERROR: libFuzzer" in log:
        raised = _RAISED.findall(log)
        artifacts = sorted(out.glob(f"{fuzzed.name}-atheris-crash-*"))
        data = artifacts[-1].read_bytes() if artifacts else b""
        tally.crashes[raised[-1] if raised else "crash (see the log)"] = (data, log[-20000:])
    return tally


_RAISED = re.compile(r"^((?:\w+\.)*\w*(?:Error|Exception|Warning)\b(?::[^\n]{0,120})?)$", re.M)


def _atheris_child(name: str, argv: list[str]) -> None:
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    fuzzed = target(name)
    # Assay's modules are imported by the first call: instrument them (only them, which
    # takes a second where instrumenting everything loaded takes more than a minute).
    with atheris.instrument_imports(include=["assay"]):
        for data in fuzzed.seeds():
            with contextlib.suppress(*CLEAN):
                fuzzed.run(data)

    def one(data: bytes) -> None:
        with contextlib.suppress(*CLEAN):
            fuzzed.run(data)

    atheris.Setup([sys.argv[0], *argv], one)
    atheris.Fuzz()


def _save(tally: Tally, out: Path) -> list[Path]:
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for key, (data, text) in sorted(tally.crashes.items()):
        digest = hashlib.sha256(data).hexdigest()[:12]
        path = out / f"{tally.name}-{digest}.bin"
        path.write_bytes(data)
        path.with_suffix(".txt").write_text(f"{key}\n\n{text}", encoding="utf-8")
        written.append(path)
    return written


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--atheris-child":
        _atheris_child(sys.argv[2], sys.argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=3000, help="inputs per target")
    parser.add_argument("--seconds", type=float, default=60.0, help="at most, per target")
    parser.add_argument("--targets", default="", help="comma-separated names (default: all)")
    parser.add_argument("--out", type=Path, default=Path(".fuzz-crashes"))
    parser.add_argument("--engine", choices=("hypothesis", "atheris"), default="hypothesis")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "0")))
    parser.add_argument(
        "--hang", type=float, default=30.0, help="seconds after which one input is a hang"
    )
    args = parser.parse_args()
    named = args.targets.split(",") if args.targets else []
    wanted = [t for t in TARGETS if t.name in named or (not named and not t.known)]
    for skipped in (t for t in TARGETS if t.known and t not in wanted):
        print(f"not run (name it with --targets to run it): {skipped.name}: {skipped.known}")
    if not wanted:
        parser.error(f"no such target; targets: {', '.join(t.name for t in TARGETS)}")

    print(f"engine {args.engine}; up to {args.examples} inputs or {args.seconds:g} s per target")
    print(f"{'target':<20} {'inputs':>8} {'seconds':>8} {'inputs/s':>9} {'slowest':>8}  crashes")
    tallies = []
    for fuzzed in wanted:
        if args.engine == "atheris":
            tally = _atheris(fuzzed, args.examples, args.seconds, args.out, args.hang)
        else:
            tally = _hypothesis(fuzzed, args.examples, args.seconds, args.seed, args.out, args.hang)
        tallies.append(tally)
        rate = tally.tried / tally.seconds if tally.seconds else 0.0
        slowest = f"{tally.slowest * 1000:.0f}ms" if tally.slowest else "-"
        print(
            f"{tally.name:<20} {tally.tried:>8} {tally.seconds:>8.1f} {rate:>9.0f} "
            f"{slowest:>8}  {len(tally.crashes)}",
            flush=True,
        )
        for path in _save(tally, args.out):
            first = path.with_suffix(".txt").read_text(encoding="utf-8").splitlines()[0]
            print(f"  crash: {first}\n         input: {path}")
    tried = sum(t.tried for t in tallies)
    crashes = sum(len(t.crashes) for t in tallies)
    seconds = sum(t.seconds for t in tallies)
    print(
        f"{'total':<20} {tried:>8} {seconds:>8.1f} {tried / seconds if seconds else 0:>9.0f} "
        f"{'':>8}  {crashes}"
    )
    print(f"{len(tallies)} targets, {tried} inputs tried, {crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
