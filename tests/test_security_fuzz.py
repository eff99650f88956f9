"""Every parser of outside input turns bad input into a clean error (issue 19, fuzzing).

A short Hypothesis run per target of ``fuzz_targets.py``: valid seeds, then seeds with
flipped bytes, cuts, splices, NUL and invalid UTF-8, huge integers, deep nesting, long
lines, and values of the wrong type anywhere in their tree. Each input must give a result
or an ``AssayError`` (the CLI's ``error:``/``hint:`` lines, a 4xx of the server); any other
exception is a crash. Derandomised, so a run is the same every time; ``bench/fuzz.py``
runs the same targets at length.
"""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import HealthCheck, given, settings

from fuzz_targets import CLEAN, TARGETS, Target, inputs, target

EXAMPLES = 50
"""Inputs per target in `make test` (bench/fuzz.py runs thousands): about 20 s on one core."""


def _targets() -> list[object]:
    return [
        pytest.param(t, id=t.name, marks=[pytest.mark.skip(reason=t.known)] if t.known else [])
        for t in TARGETS
    ]


@pytest.mark.parametrize("fuzzed", _targets())
def test_every_parser_turns_bad_input_into_a_clean_error(fuzzed: Target) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=inputs(fuzzed))
    def parse(data: bytes) -> None:
        with contextlib.suppress(*CLEAN):
            fuzzed.run(data)

    parse()


@pytest.mark.parametrize("fuzzed", TARGETS, ids=[t.name for t in TARGETS])
def test_every_seed_is_valid_input(fuzzed: Target) -> None:
    """The seeds are inputs the parser accepts, so mutations start from the real format."""
    for seed in fuzzed.seeds():
        fuzzed.run(seed)


def _alias_bomb(levels: int, top: str) -> bytes:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return ("\n".join(lines) + f"\n{top}: *a{levels - 1}\n").encode()


SLOW_ONCE = [
    # (target, input): each took minutes or more before the fuzzing pass.
    ("claims-report", b"- 120 tests, " + b"9" * 5000 + b"\n"),
    ("claims-report", b"- " + b"a" * 20_000 + b" 3 tests\n"),
    ("claims-report", b"Latency " + b"1 ms " * 5_000 + b"\n"),
    ("uv-lock", b"a" + b".a" * 40_000 + b" = 1\n"),
    ("assay-toml", b"[gates]\n" + b"a" + b".a" * 40_000 + b" = 1\n"),
    ("openapi", b'openapi: "3.0.0"\n' + _alias_bomb(9, "paths")),
    ("alert-rules", _alias_bomb(9, "groups")),
    ("osv-yaml", b"id: X-1\nmodified: '2024-01-01T00:00:00Z'\n" + _alias_bomb(9, "details")),
    ("secrets", b"var x=" + b"a." * 50_000 + b"\n"),  # minified code: one long line
]


@pytest.mark.parametrize(("name", "data"), SLOW_ONCE, ids=[n for n, _ in SLOW_ONCE])
def test_inputs_made_to_be_slow_are_answered_quickly(name: str, data: bytes) -> None:
    """Backtracking regular expressions, quadratic dotted TOML keys and YAML alias bombs
    ("billion laughs"): answered, or refused with a clean error, within seconds."""
    fuzzed = target(name)
    began = time.perf_counter()
    with contextlib.suppress(*CLEAN):
        fuzzed.run(data)
    assert time.perf_counter() - began < 5
