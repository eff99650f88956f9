"""Input that no route may pass on to the store, refused once for every route with 400:

- a NUL character in the path, the query string or a JSON string (PostgreSQL stores no
  NUL in text, and a name or id never holds one);
- in a JSON body, an integer beyond 64 bits or the non-standard constants NaN and
  Infinity (no column holds them);
- in a path or query parameter declared as an integer, one beyond 64 bits (``Int64``:
  the validation error it raises is answered with 400, see ``server``).

The check of a JSON body parses it only when its bytes could hold such a value, so the
usual request pays a byte search. It runs inside the size limits of ``RequestObserver``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["INT64_MAX", "INT64_MIN", "OUT_OF_RANGE", "InputGuard", "Int64", "bad_value"]

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
OUT_OF_RANGE = "int_out_of_range"
"""The pydantic error type of an ``Int64`` beyond 64 bits (answered with 400)."""

HINT = "remove NUL characters, and send integers between -2^63 and 2^63-1"

Problem = Callable[[Request, int, str, str, str | None], Response]

# Bytes of a JSON document that may hold what is refused: an escaped NUL, a long run of
# digits, or NaN/Infinity. Only a body that matches is parsed here.
_SUSPECT = re.compile(rb"\\u0000|\d{19}|NaN|Infinity")


def _in_range(value: int | None) -> int | None:
    if value is not None and not INT64_MIN <= value <= INT64_MAX:
        raise PydanticCustomError(
            OUT_OF_RANGE,
            "must be an integer between {low} and {high}",
            {"low": INT64_MIN, "high": INT64_MAX},
        )
    return value


Int64 = Annotated[int, AfterValidator(_in_range)]
"""An integer a database column can hold (64 bits, signed)."""


def bad_value(value: Any, where: str) -> str | None:
    """What is wrong with a parsed JSON value (a NUL in a string or key, an integer
    beyond 64 bits, NaN or an infinity), or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, at = stack.pop()
        name = f"{where} at {at}" if at else where
        if isinstance(item, str):
            if "\x00" in item:
                return f"{name} contains a NUL character"
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                return f"{name} holds an integer beyond 64 bits"
        elif isinstance(item, float):
            if item != item or item in (float("inf"), float("-inf")):
                return f"{name} holds a number that is not finite"
        elif isinstance(item, dict):
            for key, inner in item.items():
                if "\x00" in key:
                    return f"a key of {name} contains a NUL character"
                stack.append((inner, f"{at}.{key}" if at else key))
        elif isinstance(item, list):
            stack.extend((inner, f"{at}[{index}]") for index, inner in enumerate(item))
    return None


class InputGuard:
    """400 for a NUL in the path or query, or a refused value in a JSON body."""

    def __init__(self, app: ASGIApp, *, problem: Problem) -> None:
        self.app = app
        self.problem = problem

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", ""):
            await self._refuse(scope, receive, send, "the request path contains a NUL character")
            return
        if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            await self._refuse(scope, receive, send, "the query string contains a NUL character")
            return
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if scope.get("method") not in ("POST", "PUT", "PATCH") or not (
            content_type == b"application/json" or content_type.endswith(b"+json")
        ):
            await self.app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        if not complete:  # the client went away: nobody to answer
            return
        problem = _json_problem(body) if _SUSPECT.search(body) else None
        if problem is not None:
            await self._refuse(scope, receive, send, problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, detail: str) -> None:
        response = self.problem(Request(scope), 400, "InvalidInput", detail, HINT)
        await response(scope, receive, send)


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole body, and whether it came whole (False: the client went away)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _reject_constant(name: str) -> float:
    raise ValueError(name)


def _json_problem(body: bytes) -> str | None:
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None  # not JSON at all: the route's parser says so
    except RecursionError:
        return "the JSON body is nested too deeply"
    except ValueError as exc:  # NaN, Infinity, or an integer of thousands of digits
        if str(exc) in ("NaN", "Infinity", "-Infinity"):
            return f"the JSON body holds {exc}, which is not a number JSON allows"
        return "the JSON body holds an integer beyond 64 bits"
    return bad_value(value, "the JSON body")
