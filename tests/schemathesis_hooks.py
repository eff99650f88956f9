"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/test_api_schema.py): besides
the values the OpenAPI document allows, every operation also gets requests whose strings
hold a NUL character and whose integers lie beyond 64 bits, in the body, the query and the
path. The server must answer each with a documented 4xx, never a 500."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import schemathesis

HUGE = 2**63
"""One beyond the largest value a BIGINT column holds."""


def _poisoned(value: Any, nul: bool) -> Any:
    """``value`` with a NUL inserted in each string, or each integer made ``HUGE``."""
    if isinstance(value, dict):
        return {
            (f"{key}\x00" if nul and isinstance(key, str) and not value else key): _poisoned(
                item, nul
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_poisoned(item, nul) for item in value]
    if isinstance(value, bool):
        return value
    if nul and isinstance(value, str):
        return value[: len(value) // 2] + "\x00" + value[len(value) // 2 :]
    if not nul and isinstance(value, int):
        return HUGE if value >= 0 else -HUGE - 1
    return value


_sent = itertools.count()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Of every three requests of any phase, one gets NUL characters, one 2^63 and one is
    sent as generated (a counter: deterministic, and Hypothesis' shrinking is not needed to
    find a 500 that any such value causes)."""
    turn = next(_sent) % 3
    if turn == 2:
        return
    for part in ("body", "query", "path_parameters"):
        value = getattr(case, part, None)
        if value:
            setattr(case, part, _poisoned(value, nul=turn == 0))


def _holds_poison(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_holds_poison(k) or _holds_poison(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_poison(item) for item in value)
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) >= HUGE


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Tally the poisoned requests and their answers in ASSAY_HOOK_TALLY, one status a line,
    so the test can tell that they were sent."""
    tally = os.environ.get("ASSAY_HOOK_TALLY")
    parts = (case.body, case.query, case.path_parameters)
    if tally and any(_holds_poison(part) for part in parts if part is not None):
        with Path(tally).open("a", encoding="utf-8") as file:
            where = f"{case.method} {case.path} {case.path_parameters} {case.query} {case.body}"
            file.write(f"{response.status_code}\t{where!r}\n")
