"""Download OSV's PyPI export and import it; offline, keep the data in force and say so."""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
from pybreaker import CircuitBreaker, CircuitBreakerError
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from assay.errors import AssayError
from assay.feeds.interface import FeedError
from assay.feeds.osv_api import default_breaker
from assay.services.context import Context
from assay.services.vulndb import ImportReport, import_export, snapshot_info

__all__ = ["sync"]

_TIMEOUT = httpx.Timeout(30.0, read=120.0)
# One breaker per process: a long-running host (the server, an agent session) that syncs
# repeatedly stops hammering an export URL that keeps failing, and says so at once.
_BREAKER = default_breaker()


class _Retryable(Exception):
    """A failure worth another try: connection problems, timeouts, 5xx, 429."""


def sync(
    ctx: Context,
    url: str,
    *,
    transport: httpx.BaseTransport | None = None,
    attempts: int = 4,
    breaker: CircuitBreaker | None = None,
) -> ImportReport:
    """Fetch ``url`` (an OSV export zip) with retries behind a circuit breaker, then import it."""
    breaker = breaker or _BREAKER
    with tempfile.TemporaryDirectory(prefix="assay-sync-") as folder:
        target = Path(folder) / "export.zip"
        try:
            for attempt in Retrying(
                stop=stop_after_attempt(attempts),
                wait=wait_exponential(multiplier=0.5, max=8),
                retry=retry_if_exception_type(_Retryable),
                reraise=False,
            ):
                with attempt:
                    breaker.call(_download, url, target, transport)
        except CircuitBreakerError as exc:
            raise FeedError(
                f"not downloading {url}: its last {breaker.fail_counter} downloads failed; "
                f"{_current(ctx)}",
                hint=f"wait {breaker.reset_timeout:g} s, or import a copy with: "
                "assay vulndb import FILE",
            ) from exc
        except (RetryError, httpx.HTTPError) as exc:
            raise FeedError(
                f"could not download the vulnerability export from {url}: "
                f"{_cause(exc)}; {_current(ctx)}",
                hint="check the network or the URL ([vulnerabilities] export_url), or import "
                "a copy of the export with: assay vulndb import FILE",
            ) from exc
        return import_export(ctx, target)


def _download(url: str, target: Path, transport: httpx.BaseTransport | None) -> None:
    try:
        with (
            httpx.Client(transport=transport, timeout=_TIMEOUT, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code == 429 or response.status_code >= 500:
                raise _Retryable(f"HTTP {response.status_code}")
            response.raise_for_status()
            with target.open("wb") as handle:
                for chunk in response.iter_bytes(1 << 20):
                    handle.write(chunk)
    except (httpx.TransportError, httpx.TimeoutException) as exc:
        raise _Retryable(str(exc) or type(exc).__name__) from exc


def _cause(exc: BaseException) -> str:
    if isinstance(exc, RetryError):
        last = exc.last_attempt.exception()
        return str(last) if last else "gave up after retries"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return str(exc) or type(exc).__name__


def _current(ctx: Context) -> str:
    try:
        store = ctx.store(create=False)
    except AssayError:
        return "no database is imported yet"
    info = snapshot_info(store)
    if info is None:
        return "no database is imported yet"
    return (
        f"keeping the current data (snapshot {info.digest[:12]}, "
        f"imported {info.imported_at:%Y-%m-%d})"
    )
