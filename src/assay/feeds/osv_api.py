"""A client of the OSV API (api.osv.dev or compatible): batched queries, disk cache, retries."""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from pybreaker import CircuitBreaker, CircuitBreakerError
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from assay import __version__
from assay.core.inventory import canonical_name
from assay.feeds.interface import FeedError

__all__ = ["BATCH_SIZE", "OsvApiClient", "default_breaker"]

BATCH_SIZE = 1000
"""Queries per /v1/querybatch request: the most api.osv.dev accepts."""
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""Ids that are safe as file names; others are fetched every time rather than cached."""
_MAX_PAGES = 100
"""Pages one query may take before the feed is judged to be looping."""

# The breaker is pybreaker's (maintained, typed, one module, no dependencies) rather than
# a hand-written one. It counts every exception of the call it guards, so the guarded call
# raises only for what is the feed's fault: a refusal (4xx) is an answer and counts as a
# success. It also serialises the calls it guards; that costs nothing here, since this
# client sends its requests one after another.


def default_breaker() -> CircuitBreaker:
    """Open after 5 consecutive failed requests; let one trial through after 30 s."""
    # Not throwing a new error on the trip keeps the real cause in the tripping call's error.
    return CircuitBreaker(fail_max=5, reset_timeout=30, throw_new_error_on_trip=False)


class _Unavailable(Exception):
    """A request failed in a way worth retrying: no connection, timeout, 5xx, 429."""


class _Broken(Exception):
    """A request failed in a way another try would repeat: a bad URL, a garbled answer."""


_Query = tuple[str, str | None]


class OsvApiClient:
    """The OSV API as an :class:`~assay.feeds.interface.OsvSource`, for PyPI packages.

    Every failure to reach the API, after retries, is a :class:`FeedError`; once
    ``breaker`` has opened, requests fail at once until its cool-down has passed.
    """

    def __init__(
        self,
        base_url: str = "https://api.osv.dev",
        *,
        transport: httpx.BaseTransport | None = None,
        cache_dir: Path | None = None,
        timeout: float = 10,
        retries: int = 3,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        """``retries`` is how many times a failed request is tried again (0: never);
        ``cache_dir`` keeps fetched records between runs (None: no cache)."""
        self.base_url = base_url.rstrip("/")
        self.cache_dir = cache_dir
        self.breaker = breaker if breaker is not None else default_breaker()
        self._transport = transport
        self._timeout = httpx.Timeout(timeout)
        self._retries = max(retries, 0)

    def query(self, package: str, version: str | None) -> list[dict[str, Any]]:
        return self._query_records([(package, version)])[0]

    def query_many(
        self, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """The records affecting each (package, version), keyed by the pairs as given.

        One /v1/querybatch request per 1000 distinct pairs, then one /v1/vulns/{id}
        request per distinct record not already in the cache at the same modified time.
        """
        distinct = list(dict.fromkeys(pairs))
        answers = self._query_records(list(distinct))
        return dict(zip(distinct, answers, strict=True))

    def get(self, vuln_id: str) -> dict[str, Any] | None:
        """The record the API holds under ``vuln_id``; it resolves ids, not aliases."""
        with self._client() as client:
            record = self._fetch(client, vuln_id)
        if record is not None:
            self._store(vuln_id, str(record.get("modified", "")), record)
        return record

    def snapshot(self) -> str | None:
        """None: the live API changes continuously and names no state of its data."""
        return None

    def _query_records(self, queries: Sequence[_Query]) -> list[list[dict[str, Any]]]:
        if not queries:
            return []
        with self._client() as client:
            listed = self._batch(client, queries)
            newest: dict[str, str] = {}
            for summaries in listed:
                for ident, modified in summaries:
                    newest[ident] = max(modified, newest.get(ident, modified))
            records = {ident: self._record(client, ident, m) for ident, m in newest.items()}
        return [
            [records[ident] for ident, _ in summaries if not records[ident].get("withdrawn")]
            for summaries in listed
        ]

    def _batch(
        self, client: httpx.Client, queries: Sequence[_Query]
    ) -> list[list[tuple[str, str]]]:
        """(id, modified) of the records each query lists, following every page."""
        listed: list[list[tuple[str, str]]] = [[] for _ in queries]
        pending: dict[int, str | None] = dict.fromkeys(range(len(queries)))
        pages = 0
        while pending:
            if pages == _MAX_PAGES:
                raise FeedError(
                    f"the OSV API at {self.base_url} kept paginating past {_MAX_PAGES} pages "
                    "of one query; it may be misbehaving"
                )
            pages += 1
            positions = list(pending)
            following: dict[int, str | None] = {}
            for start in range(0, len(positions), BATCH_SIZE):
                chunk = positions[start : start + BATCH_SIZE]
                body = {"queries": [_query_body(*queries[i], pending[i]) for i in chunk]}
                results = self._results(self._post(client, "/v1/querybatch", body), len(chunk))
                for position, result in zip(chunk, results, strict=True):
                    listed[position].extend(_summaries(result, self.base_url))
                    token = result.get("next_page_token")
                    if token:
                        following[position] = str(token)
            pending = following
        return listed

    def _record(self, client: httpx.Client, ident: str, modified: str) -> dict[str, Any]:
        cached = self._cached(ident, modified)
        if cached is not None:
            return cached
        record = self._fetch(client, ident)
        if record is None:
            raise FeedError(
                f"the OSV API at {self.base_url} listed {ident} but has no record for it"
            )
        self._store(ident, modified, record)
        return record

    def _fetch(self, client: httpx.Client, ident: str) -> dict[str, Any] | None:
        path = f"/v1/vulns/{quote(ident, safe='')}"
        response = self._send(client, "GET", path, None, missing_ok=True)
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        record = self._json(response)
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise self._unexpected(response, "a vulnerability record without an id")
        return record

    def _post(self, client: httpx.Client, path: str, body: dict[str, Any]) -> Any:
        return self._json(self._send(client, "POST", path, body))

    def _send(
        self,
        client: httpx.Client,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        *,
        missing_ok: bool = False,
    ) -> httpx.Response:
        """One request with retries and the breaker; a 4xx other than 429 is an error,
        except a 404 when ``missing_ok``."""
        try:
            for attempt in Retrying(
                stop=stop_after_attempt(self._retries + 1),
                wait=wait_exponential(multiplier=0.5, max=8),
                retry=retry_if_exception_type(_Unavailable),
                reraise=True,
            ):
                with attempt:
                    response = self.breaker.call(_request, client, method, path, body)
        except (_Unavailable, _Broken) as exc:
            raise FeedError(f"could not reach the OSV API at {self.base_url}: {exc}") from exc
        except CircuitBreakerError as exc:
            raise FeedError(
                f"could not reach the OSV API at {self.base_url}: its last "
                f"{self.breaker.fail_counter} requests failed, so no more are sent for up to "
                f"{self.breaker.reset_timeout:g} s"
            ) from exc
        missing = missing_ok and response.status_code == httpx.codes.NOT_FOUND
        if response.status_code >= httpx.codes.BAD_REQUEST and not missing:
            raise FeedError(
                f"the OSV API at {self.base_url} refused {method} {path}: "
                f"HTTP {response.status_code} {_excerpt(response)}"
            )
        return response

    def _results(self, answer: Any, expected: int) -> list[dict[str, Any]]:
        results = answer.get("results") if isinstance(answer, dict) else None
        if (
            not isinstance(results, list)
            or len(results) != expected
            or not all(isinstance(r, dict) for r in results)
        ):
            raise FeedError(
                f"the OSV API at {self.base_url} answered a batch of {expected} queries "
                "with something else than one result per query"
            )
        return results

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to decode
            raise self._unexpected(response, "a body that is not JSON") from None

    def _unexpected(self, response: httpx.Response, what: str) -> FeedError:
        return FeedError(
            f"the OSV API at {self.base_url} answered {response.request.url.path} with {what}: "
            f"{_excerpt(response)}"
        )

    @contextlib.contextmanager
    def _client(self) -> Iterator[httpx.Client]:
        with httpx.Client(
            base_url=self.base_url,
            transport=self._transport,
            timeout=self._timeout,
            headers={"User-Agent": f"assay/{__version__}"},
        ) as client:
            yield client

    def _cached(self, ident: str, modified: str) -> dict[str, Any] | None:
        path = self._cache_path(ident)
        if path is None:
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # absent or damaged: fetch it again
        if not isinstance(entry, dict) or entry.get("modified") != modified:
            return None
        record = entry.get("record")
        return record if isinstance(record, dict) else None

    def _store(self, ident: str, modified: str, record: dict[str, Any]) -> None:
        path = self._cache_path(ident)
        if path is None:
            return
        written: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed, so that a concurrent run never reads half a file.
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
            ) as handle:
                written = Path(handle.name)
                json.dump({"modified": modified, "record": record}, handle)
            written.replace(path)
        except OSError:
            # A cache that cannot be written costs requests next time, not correctness.
            if written is not None:
                written.unlink(missing_ok=True)

    def _cache_path(self, ident: str) -> Path | None:
        if self.cache_dir is None or not _SAFE_ID.fullmatch(ident):
            return None
        return self.cache_dir / f"{ident}.json"


def _request(
    client: httpx.Client, method: str, path: str, body: dict[str, Any] | None
) -> httpx.Response:
    """One attempt; raises :class:`_Unavailable` for what the breaker counts and retries."""
    try:
        response = client.request(method, path, json=body)
    except httpx.UnsupportedProtocol as exc:
        raise _Broken(str(exc)) from exc
    except httpx.TransportError as exc:
        raise _Unavailable(str(exc) or type(exc).__name__) from exc
    except (httpx.RequestError, httpx.InvalidURL) as exc:
        raise _Broken(str(exc) or type(exc).__name__) from exc
    if response.status_code == httpx.codes.TOO_MANY_REQUESTS or response.status_code >= 500:
        raise _Unavailable(f"HTTP {response.status_code} {_excerpt(response)}".rstrip())
    return response


def _query_body(package: str, version: str | None, page_token: str | None) -> dict[str, Any]:
    query: dict[str, Any] = {"package": {"name": canonical_name(package), "ecosystem": "PyPI"}}
    if version is not None:
        query["version"] = version
    if page_token is not None:
        query["page_token"] = page_token
    return query


def _summaries(result: dict[str, Any], base_url: str) -> list[tuple[str, str]]:
    found = []
    vulns = result.get("vulns") or []
    if not isinstance(vulns, list):
        raise FeedError(f"the OSV API at {base_url} answered with 'vulns' that is not a list")
    for vuln in vulns:
        ident = vuln.get("id") if isinstance(vuln, dict) else None
        if not isinstance(ident, str) or not ident or not _encodable(ident):
            raise FeedError(f"the OSV API at {base_url} listed a vulnerability without an id")
        found.append((ident, str(vuln.get("modified", ""))))
    return found


def _encodable(text: str) -> bool:
    """Whether ``text`` is UTF-8 text (JSON can carry a lone surrogate, "\\ud800")."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:200] + ("..." if len(text) > 200 else "")
