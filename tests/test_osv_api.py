"""The OSV-compatible API under a real server, and the OSV API client against it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from pybreaker import STATE_CLOSED, STATE_OPEN, CircuitBreaker

from assay.api.osv_compat import create_osv_app
from assay.feeds.interface import FeedError, OsvSource
from assay.feeds.memory import MemoryOsvSource
from assay.feeds.osv_api import OsvApiClient
from conftest import SHARED

EXPORT = SHARED / "data" / "osv-pypi-advisories.zip"
pytestmark = pytest.mark.skipif(
    not EXPORT.is_file(), reason=f"needs the shared advisory export at {EXPORT}"
)

# Checked against the export: django 2.2 is in this record's versions list and inside its
# range "introduced 2.2, fixed 2.2.2"; CVE-2019-12308 is one of its aliases.
DJANGO_22_RECORD = "PYSEC-2019-79"
DJANGO_22_ALIAS = "CVE-2019-12308"
DJANGO_22_COUNT = 28
SAFE_DJANGO = "5.1.2"  # released before the export's snapshot, no record affects it
# api.osv.dev's own documentation shows these PYSEC ids for jinja2 2.4.1 (querybatch sample).
JINJA2_241 = ["PYSEC-2014-8", "PYSEC-2014-82", "PYSEC-2019-217", "PYSEC-2019-220", "PYSEC-2021-66"]
WITHDRAWN_LOGURU = "PYSEC-2022-15"
MALFORMED = {"PYSEC-2019-125", "PYSEC-2021-371"}


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    with zipfile.ZipFile(EXPORT) as archive:
        return [json.loads(archive.read(name)) for name in archive.namelist()]


@pytest.fixture(scope="module")
def source(records: list[dict[str, Any]]) -> MemoryOsvSource:
    return MemoryOsvSource(records)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: FastAPI, port: int = 0) -> Iterator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1 in a thread; yield its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
    )
    thread = threading.Thread(target=server.run, name="osv-api-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the test server did not start within 10 s")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def counting(app: FastAPI) -> Counter[str]:
    """Count the requests ``app`` receives, per path, on the server side."""
    seen: Counter[str] = Counter()

    @app.middleware("http")
    async def count(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        seen[request.url.path] += 1
        return await call_next(request)

    return seen


@pytest.fixture(scope="module")
def server(source: MemoryOsvSource) -> Iterator[tuple[str, Counter[str]]]:
    app = create_osv_app(source)
    seen = counting(app)
    with serving(app) as url:
        yield url, seen


@pytest.fixture
def url(server: tuple[str, Counter[str]]) -> str:
    return server[0]


@pytest.fixture
def requests_seen(server: tuple[str, Counter[str]]) -> Counter[str]:
    server[1].clear()
    return server[1]


def ids(records: list[dict[str, Any]]) -> list[str]:
    return sorted(r["id"] for r in records)


def vuln_requests(seen: Counter[str]) -> int:
    return sum(n for path, n in seen.items() if path.startswith("/v1/vulns/"))


# The in-memory source


def test_the_memory_source_is_an_osv_source_and_leaves_out_malformed_records(
    source: MemoryOsvSource, records: list[dict[str, Any]]
) -> None:
    typed: OsvSource = source
    assert {ident for ident, _ in source.rejected} == MALFORMED
    assert len(source) == len(records) - len(MALFORMED)
    assert typed.snapshot() != MemoryOsvSource(records[:50]).snapshot()
    some = records[:50]
    assert MemoryOsvSource(some).snapshot() == MemoryOsvSource(reversed(some)).snapshot()
    assert MemoryOsvSource(some, snapshot="abc").snapshot() == "abc"


def test_the_memory_source_keeps_the_newer_of_two_records_with_one_id(
    source: MemoryOsvSource,
) -> None:
    newer = source.get(DJANGO_22_RECORD)
    assert newer is not None
    older = {**newer, "modified": "2000-01-01T00:00:00Z", "summary": "old"}
    for order in ([older, newer], [newer, older]):
        merged = MemoryOsvSource(order)
        assert merged.get(DJANGO_22_RECORD) == newer
        assert ids(merged.query("django", "2.2")) == [DJANGO_22_RECORD]


def test_the_memory_source_answers_by_canonical_name_and_skips_withdrawn_records(
    source: MemoryOsvSource,
) -> None:
    assert DJANGO_22_RECORD in ids(source.query("Django", "2.2"))
    assert len(source.query("django", "2.2")) == DJANGO_22_COUNT
    assert ids(source.query("jinja2", "2.4.1")) == JINJA2_241
    every_loguru = ids(source.query("loguru", None))
    assert every_loguru and WITHDRAWN_LOGURU not in every_loguru
    withdrawn = source.get(WITHDRAWN_LOGURU)
    assert withdrawn is not None and withdrawn["withdrawn"]


def test_the_memory_source_finds_a_record_by_alias_and_hands_out_copies(
    source: MemoryOsvSource,
) -> None:
    found = source.get(DJANGO_22_ALIAS)
    assert found is not None and found["id"] == DJANGO_22_RECORD
    found["id"] = "edited"
    again = source.get(DJANGO_22_RECORD)
    assert again is not None and again["id"] == DJANGO_22_RECORD
    assert source.get("PYSEC-0000-0") is None


# The OSV-compatible API


def test_query_lists_the_full_records_affecting_django_2_2(
    url: str, source: MemoryOsvSource
) -> None:
    answer = httpx.post(
        f"{url}/v1/query",
        json={"package": {"name": "django", "ecosystem": "PyPI"}, "version": "2.2"},
    )
    assert answer.status_code == 200
    vulns = answer.json()["vulns"]
    assert DJANGO_22_RECORD in ids(vulns)
    assert len(vulns) == DJANGO_22_COUNT
    assert sorted(vulns, key=lambda r: r["id"]) == source.query("django", "2.2")
    assert all("affected" in r and "modified" in r for r in vulns)


def test_query_by_purl_answers_as_by_name_and_ecosystem(url: str) -> None:
    by_purl = httpx.post(f"{url}/v1/query", json={"package": {"purl": "pkg:pypi/django@2.2"}})
    split = httpx.post(
        f"{url}/v1/query", json={"package": {"purl": "pkg:pypi/django"}, "version": "2.2"}
    )
    assert ids(by_purl.json()["vulns"]) == ids(split.json()["vulns"])
    assert len(by_purl.json()["vulns"]) == DJANGO_22_COUNT


def test_query_answers_an_empty_object_for_a_safe_version_or_another_ecosystem(
    url: str,
) -> None:
    safe = {"package": {"name": "django", "ecosystem": "PyPI"}, "version": SAFE_DJANGO}
    npm = {"package": {"name": "django", "ecosystem": "npm"}, "version": "2.2"}
    maven = {"package": {"purl": "pkg:maven/org.example/django@2.2"}}
    for body in (safe, npm, maven):
        answer = httpx.post(f"{url}/v1/query", json=body)
        assert (answer.status_code, answer.json()) == (200, {}), body


def test_query_accepts_the_form_encoded_body_of_osvs_curl_examples(url: str) -> None:
    body = json.dumps({"package": {"name": "jinja2", "ecosystem": "PyPI"}, "version": "2.4.1"})
    answer = httpx.post(
        f"{url}/v1/query",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert ids(answer.json()["vulns"]) == JINJA2_241


def test_querybatch_answers_ids_and_modified_times_per_query_in_order(
    url: str, source: MemoryOsvSource
) -> None:
    queries = [
        {"package": {"ecosystem": "PyPI", "name": "jinja2"}, "version": "2.4.1"},
        {"package": {"purl": "pkg:pypi/django@2.2"}},
        {"package": {"ecosystem": "PyPI", "name": "django"}, "version": SAFE_DJANGO},
    ]
    answer = httpx.post(f"{url}/v1/querybatch", json={"queries": queries})
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert len(results) == 3
    assert [v["id"] for v in results[0]["vulns"]] == JINJA2_241
    assert results[1]["vulns"] == [
        {"id": r["id"], "modified": r["modified"]} for r in source.query("django", "2.2")
    ]
    assert results[2] == {}


def test_querybatch_refuses_more_than_1000_queries(url: str) -> None:
    query = {"package": {"ecosystem": "PyPI", "name": "django"}, "version": "2.2"}
    answer = httpx.post(f"{url}/v1/querybatch", json={"queries": [query] * 1001})
    assert answer.status_code == 400
    assert [e["pointer"] for e in answer.json()["errors"]] == ["#/queries"]


def test_vulns_returns_a_record_by_id_and_by_alias(url: str) -> None:
    by_id = httpx.get(f"{url}/v1/vulns/{DJANGO_22_RECORD}")
    by_alias = httpx.get(f"{url}/v1/vulns/{DJANGO_22_ALIAS}")
    assert by_id.status_code == by_alias.status_code == 200
    assert by_id.json() == by_alias.json()
    assert by_id.json()["id"] == DJANGO_22_RECORD


def test_vulns_answers_an_unknown_id_with_a_404_problem(url: str) -> None:
    answer = httpx.get(f"{url}/v1/vulns/PYSEC-0000-0")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 404 and problem["title"] == "Not Found"
    assert "PYSEC-0000-0" in problem["detail"]


def test_an_invalid_body_gets_a_400_problem_listing_every_bad_field(url: str) -> None:
    body = {
        "package": {"name": 5, "ecosystem": "PyPI", "nme": "django"},
        "version": "",
        "comit": "abc",
    }
    answer = httpx.post(f"{url}/v1/query", json=body)
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "about:blank"
    assert (problem["title"], problem["status"]) == ("Bad Request", 400)
    pointers = sorted(e["pointer"] for e in problem["errors"])
    assert pointers == ["#/comit", "#/package/name", "#/package/nme", "#/version"]
    for pointer in pointers:
        assert pointer in problem["detail"]


def test_contradictory_or_unsupported_queries_get_400_problems(url: str) -> None:
    both = {"package": {"purl": "pkg:pypi/django@2.2", "name": "django"}}
    twice = {"package": {"purl": "pkg:pypi/django@2.2"}, "version": "2.2"}
    commit = {"package": {"purl": "pkg:pypi/django"}, "commit": "6879efc2"}
    bad_purl = {"package": {"purl": "django@2.2"}}
    expected = {
        "#/package": "not both",
        "#": "given twice",
        "#/commit": "not supported",
        "#/package/purl": "not a package URL",
    }
    for body, (pointer, words) in zip(
        (both, twice, commit, bad_purl), expected.items(), strict=True
    ):
        answer = httpx.post(f"{url}/v1/query", json=body)
        assert answer.status_code == 400, body
        [error] = answer.json()["errors"]
        assert error["pointer"] == pointer and words in error["detail"], error


def test_a_body_that_is_not_json_gets_a_400_problem(url: str) -> None:
    answer = httpx.post(
        f"{url}/v1/query", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["pointer"] == "#"


def test_pip_audit_finds_the_served_records_through_its_osv_url_option(
    url: str, source: MemoryOsvSource, tmp_path: Path
) -> None:
    pytest.importorskip("pip_audit")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("django==2.2\njinja2==2.4.1\ndjango-x==0.1\n", "utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--requirement",
            str(requirements),
            "--vulnerability-service",
            "osv",
            "--osv-url",
            f"{url}/v1/query",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr  # 1: vulnerabilities found
    found = {
        d["name"]: sorted(v["id"] for v in d["vulns"])
        for d in json.loads(done.stdout)["dependencies"]
    }
    assert found == {
        "django": ids(source.query("django", "2.2")),
        "jinja2": JINJA2_241,
        "django-x": [],
    }


# The OSV API client, against the real server


PAIRS = [
    ("django", "2.2"),
    ("Jinja2", "2.4.1"),
    ("flask", "0.12"),
    ("requests", "2.19.0"),
    ("django", SAFE_DJANGO),
    ("no-such-package-anywhere", "1.0"),
]


def test_query_many_returns_what_the_memory_source_finds(
    url: str, source: MemoryOsvSource, requests_seen: Counter[str]
) -> None:
    answers = OsvApiClient(url).query_many(PAIRS)
    assert list(answers) == PAIRS
    for (name, version), found in answers.items():
        assert sorted(found, key=lambda r: r["id"]) == source.query(name, version), name
    assert DJANGO_22_RECORD in ids(answers["django", "2.2"])
    assert answers["django", SAFE_DJANGO] == []
    distinct = {r["id"] for found in answers.values() for r in found}
    assert requests_seen["/v1/querybatch"] == 1
    assert vuln_requests(requests_seen) == len(distinct)


def test_the_client_is_an_osv_source(url: str, source: MemoryOsvSource) -> None:
    client: OsvSource = OsvApiClient(url)
    assert ids(client.query("django", "2.2")) == ids(source.query("django", "2.2"))
    assert ids(client.query("loguru", None)) == ids(source.query("loguru", None))
    assert WITHDRAWN_LOGURU not in ids(client.query("loguru", None))
    record = client.get(DJANGO_22_RECORD)
    assert record is not None and record["id"] == DJANGO_22_RECORD
    assert client.get("PYSEC-0000-0") is None
    assert client.snapshot() is None


def test_the_disk_cache_spares_the_vulns_requests_of_a_second_run(
    url: str, tmp_path: Path, requests_seen: Counter[str]
) -> None:
    first = OsvApiClient(url, cache_dir=tmp_path).query_many(PAIRS)
    fetched = vuln_requests(requests_seen)
    assert fetched > 30
    assert len(list(tmp_path.glob("*.json"))) == fetched

    requests_seen.clear()
    second = OsvApiClient(url, cache_dir=tmp_path).query_many(PAIRS)
    assert second == first
    assert requests_seen["/v1/querybatch"] == 1
    assert vuln_requests(requests_seen) == 0

    # An entry cached at another modified time is stale: only that record is fetched again.
    stale = tmp_path / f"{DJANGO_22_RECORD}.json"
    entry = json.loads(stale.read_text(encoding="utf-8"))
    stale.write_text(json.dumps({**entry, "modified": "2000-01-01T00:00:00Z"}), "utf-8")
    (tmp_path / "PYSEC-2019-10.json").write_text("{damaged", "utf-8")
    requests_seen.clear()
    assert OsvApiClient(url, cache_dir=tmp_path).query_many(PAIRS) == first
    assert requests_seen["/v1/vulns/PYSEC-2019-79"] == 1
    assert requests_seen["/v1/vulns/PYSEC-2019-10"] == 1
    assert vuln_requests(requests_seen) == 2


def test_query_many_sends_at_most_1000_queries_per_batch(
    url: str, requests_seen: Counter[str]
) -> None:
    pairs = [("django", f"0.{n}") for n in range(1000)] + [("django", "2.2")]
    # A generous timeout: on a loaded machine a 1,000-query batch can take over the
    # default 10 s, and a retried batch would be counted twice.
    answers = OsvApiClient(url, timeout=120).query_many(pairs)
    assert requests_seen["/v1/querybatch"] == 2
    assert len(answers) == 1001
    assert len(answers["django", "2.2"]) == DJANGO_22_COUNT


def test_query_many_follows_next_page_tokens(source: MemoryOsvSource) -> None:
    # A real server that paginates, as api.osv.dev does for large answers.
    app = FastAPI()
    first_page, second_page = JINJA2_241[:2], JINJA2_241[2:]

    @app.post("/v1/querybatch")
    async def querybatch(request: Request) -> dict[str, Any]:
        [query] = (await request.json())["queries"]
        page = second_page if query.get("page_token") == "p2" else first_page
        result: dict[str, Any] = {"vulns": [{"id": i, "modified": "m"} for i in page]}
        if page is first_page:
            result["next_page_token"] = "p2"
        return {"results": [result]}

    @app.get("/v1/vulns/{ident}")
    def vuln(ident: str) -> dict[str, Any] | None:
        return source.get(ident)

    with serving(app) as paginating:
        found = OsvApiClient(paginating).query("jinja2", "2.4.1")
    assert [r["id"] for r in found] == JINJA2_241


# Failures


def test_a_wrong_base_url_is_a_feed_error_naming_the_refused_request(url: str) -> None:
    client = OsvApiClient(f"{url}/elsewhere", retries=0)
    with pytest.raises(FeedError, match=r"refused POST /v1/querybatch: HTTP 404"):
        client.query("django", "2.2")
    assert client.breaker.current_state == STATE_CLOSED  # an answer, if a refusal


class CountingTransport(httpx.HTTPTransport):
    """The real HTTP transport, counting the requests it is asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return super().handle_request(request)


def test_a_client_of_a_closed_port_fails_fast_with_a_feed_error() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(FeedError) as caught:
        OsvApiClient(dead, retries=0).query_many([("django", "2.2")])
    assert time.monotonic() - started < 2
    error = caught.value
    assert error.message.startswith(f"could not reach the OSV API at {dead}: ")
    assert error.exit_code == 3
    assert "--offline" in error.diagnostics() and "assay vulndb import" in error.diagnostics()


def test_the_breaker_opens_after_n_failures_and_then_sends_nothing() -> None:
    transport = CountingTransport()
    breaker = CircuitBreaker(fail_max=3, reset_timeout=60, throw_new_error_on_trip=False)
    client = OsvApiClient(
        f"http://127.0.0.1:{free_port()}", transport=transport, retries=0, breaker=breaker
    )
    started = time.monotonic()
    for _ in range(3):
        with pytest.raises(FeedError, match="could not reach"):
            client.query("django", "2.2")
    assert breaker.current_state == STATE_OPEN
    assert transport.sent == 3
    for _ in range(5):
        with pytest.raises(FeedError, match="no more are sent"):
            client.query("django", "2.2")
    assert transport.sent == 3
    assert time.monotonic() - started < 3


def test_an_open_breaker_lets_one_trial_through_after_its_cool_down(
    source: MemoryOsvSource,
) -> None:
    port = free_port()
    cool_down = 0.8
    breaker = CircuitBreaker(fail_max=2, reset_timeout=cool_down, throw_new_error_on_trip=False)
    client = OsvApiClient(f"http://127.0.0.1:{port}", retries=0, breaker=breaker)
    for _ in range(2):
        with pytest.raises(FeedError):
            client.query("django", "2.2")
    assert breaker.current_state == STATE_OPEN
    opened = time.monotonic()
    with serving(create_osv_app(source), port):
        # The feed is back, but the breaker keeps it unasked until the cool-down is over
        # (checked only when starting the server left a safe margin before that).
        if time.monotonic() - opened < cool_down / 2:
            with pytest.raises(FeedError, match="no more are sent"):
                client.query("django", "2.2")
        time.sleep(max(0.0, cool_down + 0.1 - (time.monotonic() - opened)))
        assert len(client.query("django", "2.2")) == DJANGO_22_COUNT
    assert breaker.current_state == STATE_CLOSED


# Failing on cue is what a real server cannot do cheaply, so only these two tests use
# httpx.MockTransport: it answers 503 for as long as the test says, then the real data.


def flaky(source: MemoryOsvSource, failures: int) -> tuple[httpx.MockTransport, list[str]]:
    attempts: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        attempts.append(request.url.path)
        if len(attempts) <= failures:
            return httpx.Response(503, text="upstream overloaded")
        if request.url.path == "/v1/querybatch":
            [query] = json.loads(request.content)["queries"]
            found = source.query(query["package"]["name"], query["version"])
            return httpx.Response(
                200,
                json={
                    "results": [
                        {"vulns": [{"id": r["id"], "modified": r["modified"]} for r in found]}
                    ]
                },
            )
        return httpx.Response(200, json=source.get(request.url.path.rsplit("/", 1)[1]))

    return httpx.MockTransport(answer), attempts


def test_a_503_is_retried_and_then_answered(source: MemoryOsvSource) -> None:
    transport, attempts = flaky(source, failures=1)
    found = OsvApiClient("http://osv.test", transport=transport, retries=2).query("jinja2", "2.4.1")
    assert ids(found) == JINJA2_241
    assert attempts[:2] == ["/v1/querybatch", "/v1/querybatch"]
    assert len(attempts) == 2 + len(JINJA2_241)


def test_a_feed_that_keeps_failing_gives_a_feed_error_after_the_retries(
    source: MemoryOsvSource,
) -> None:
    transport, attempts = flaky(source, failures=100)
    client = OsvApiClient("http://osv.test", transport=transport, retries=1)
    with pytest.raises(
        FeedError,
        match=r"could not reach the OSV API at http://osv\.test: "
        r"HTTP 503 upstream overloaded",
    ):
        client.query("jinja2", "2.4.1")
    assert len(attempts) == 2
