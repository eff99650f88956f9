"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/test_api_schema.py): besides
the values the OpenAPI document allows, every operation also gets requests whose strings
hold a NUL character and whose integers lie beyond 64 bits, in the body, the query and the
path, and every other JSON body goes out with ``Transfer-Encoding: chunked`` and no
Content-Length. The server must answer each with a documented status, never a 500."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
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
_bodies = itertools.count()


class ChunkedBody:
    """A JSON body sent in 64-byte chunks. requests sends an iterable body whose length it
    reads as 0 with ``Transfer-Encoding: chunked``; ``after_call`` puts the bytes back on
    the recorded request for schemathesis' report."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def __iter__(self) -> Iterator[bytes]:
        for start in range(0, len(self.payload), 64):
            yield self.payload[start : start + 64]

    def __len__(self) -> int:
        return 0

    def __bool__(self) -> bool:  # requests replaces a false ``data`` with ``{}``
        return True


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Of every three requests of any phase, one gets NUL characters, one 2^63 and one is
    sent as generated (a counter: deterministic, and Hypothesis' shrinking is not needed to
    find a 500 that any such value causes)."""
    turn = next(_sent) % 3
    if turn != 2:
        for part in ("body", "query", "path_parameters"):
            value = getattr(case, part, None)
            if value:
                setattr(case, part, _poisoned(value, nul=turn == 0))
    has_json_body = isinstance(case.body, dict | list) and "json" in (case.media_type or "")
    if has_json_body and next(_bodies) % 2 == 0:
        kwargs["data"] = ChunkedBody(json.dumps(case.body).encode("utf-8"))
        case.headers = {**(case.headers or {}), "Content-Type": case.media_type}


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
    sent = response.request
    chunked = isinstance(sent.body, ChunkedBody)
    if chunked:
        assert sent.headers.get("Transfer-Encoding") == "chunked", sent.headers
        assert "Content-Length" not in sent.headers, sent.headers
        sent.body = sent.body.payload
    tally = os.environ.get("ASSAY_HOOK_TALLY")
    parts = (case.body, case.query, case.path_parameters)
    poisoned = any(_holds_poison(part) for part in parts if part is not None)
    if tally and (poisoned or chunked):
        with Path(tally).open("a", encoding="utf-8") as file:
            where = f"{case.method} {case.path} {case.path_parameters} {case.query} {case.body}"
            how = ("poisoned " if poisoned else "") + ("chunked" if chunked else "")
            file.write(f"{response.status_code}\t{how.strip()}\t{where!r}\n")
