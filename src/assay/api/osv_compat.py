"""An OSV-compatible HTTP API (/v1/query, /v1/querybatch, /v1/vulns) over any OSV source."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Annotated, Any, Self, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from packageurl import PackageURL
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from starlette.exceptions import HTTPException

from assay.errors import EnvironmentProblem
from assay.feeds.interface import OsvSource

__all__ = ["BatchRequest", "PackageRef", "QueryRequest", "create_osv_app"]

PYPI = "PyPI"
MAX_BATCH = 1000
"""The most queries one /v1/querybatch request may hold, as on api.osv.dev."""
PROBLEM_JSON = "application/problem+json"


class PackageRef(BaseModel):
    """A package: by ``name`` and ``ecosystem``, or by ``purl`` alone."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1)
    ecosystem: str | None = Field(default=None, min_length=1)
    purl: str | None = Field(default=None, min_length=1)

    @field_validator("purl")
    @classmethod
    def _parses(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                PackageURL.from_string(value)
            except ValueError as exc:
                raise ValueError(f"not a package URL: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if self.purl is not None:
            if self.name is not None or self.ecosystem is not None:
                raise ValueError("give either purl or name and ecosystem, not both")
        elif self.name is None or self.ecosystem is None:
            raise ValueError("name and ecosystem are both required when there is no purl")
        return self


class QueryRequest(BaseModel):
    """One query: a package, and optionally a version (no version: every record)."""

    model_config = ConfigDict(extra="forbid")

    package: PackageRef
    version: str | None = Field(default=None, min_length=1)
    commit: str | None = None
    page_token: str | None = None
    """Accepted for OSV clients; never needed, since answers are never paginated here."""

    @field_validator("commit")
    @classmethod
    def _no_commits(cls, value: str | None) -> str | None:
        # Answering "no vulnerabilities" to a query this server cannot evaluate would
        # read as a clean result; refusing it makes the gap visible.
        if value is not None:
            raise ValueError("commit queries are not supported: this server matches versions")
        return value

    @model_validator(mode="after")
    def _one_version(self) -> Self:
        purl = self.package.purl
        if self.version is not None and purl and PackageURL.from_string(purl).version:
            raise ValueError("the version is given twice: in the purl and in version")
        return self

    def target(self) -> tuple[str, str | None] | None:
        """The PyPI package name and version asked about; None for another ecosystem."""
        if self.package.purl is not None:
            purl = PackageURL.from_string(self.package.purl)
            if purl.type != "pypi":
                return None
            return purl.name, self.version or purl.version
        if self.package.ecosystem != PYPI or self.package.name is None:
            return None
        return self.package.name, self.version


class BatchRequest(BaseModel):
    """The body of /v1/querybatch."""

    model_config = ConfigDict(extra="forbid")

    queries: list[QueryRequest] = Field(max_length=MAX_BATCH)


def create_osv_app(source: OsvSource) -> FastAPI:
    """The OSV API's read endpoints over ``source``, for pip-audit, osv-scanner and others.

    Only PyPI is served: queries about other ecosystems get the empty answer.
    """
    app = FastAPI(
        title="Assay OSV-compatible API",
        summary="OSV's /v1 query endpoints over the vulnerability data Assay holds.",
        version="1",
    )
    _add_problem_handlers(app)

    @app.post("/v1/query")
    def query(body: Annotated[QueryRequest, Depends(_json_body(QueryRequest))]) -> JSONResponse:
        vulns = _answer(source, body)
        # api.osv.dev answers {} rather than {"vulns": []}; clients rely on that shape.
        return JSONResponse({"vulns": vulns} if vulns else {})

    @app.post("/v1/querybatch")
    def querybatch(
        body: Annotated[BatchRequest, Depends(_json_body(BatchRequest))],
    ) -> JSONResponse:
        results = [_summaries(_answer(source, q)) for q in body.queries]
        return JSONResponse({"results": [{"vulns": r} if r else {} for r in results]})

    @app.get("/v1/vulns/{vuln_id}")
    def vuln(vuln_id: str) -> JSONResponse:
        record = source.get(vuln_id)
        if record is None:
            raise HTTPException(404, f"no vulnerability has the id or alias {vuln_id!r}")
        return JSONResponse(record)

    return app


def _answer(source: OsvSource, query: QueryRequest) -> list[dict[str, Any]]:
    target = query.target()
    return [] if target is None else source.query(*target)


def _summaries(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "modified": r["modified"]} for r in records]


Model = TypeVar("Model", bound=BaseModel)


def _json_body(model: type[Model]) -> Callable[[Request], Awaitable[Model]]:
    """A dependency that reads the body as JSON whatever its Content-Type says.

    FastAPI's own body parsing needs ``Content-Type: application/json``; OSV's documented
    examples (``curl -d``) send form encoding, and api.osv.dev accepts them.
    """

    async def read(request: Request) -> Model:
        raw = await request.body()
        try:
            return model.model_validate_json(raw or b"null")
        except ValidationError as exc:
            raise RequestValidationError(exc.errors(include_url=False)) from None

    return read


def _add_problem_handlers(app: FastAPI) -> None:
    """Errors as RFC 9457 problem details."""

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        listed = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors)
        return _problem(
            HTTPStatus.BAD_REQUEST,
            f"the request body is invalid ({len(errors)} problem(s)): {listed}",
            errors=errors,
        )

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return _problem(HTTPStatus(exc.status_code), str(exc.detail), headers=exc.headers)

    @app.exception_handler(EnvironmentProblem)
    async def unavailable(_request: Request, exc: EnvironmentProblem) -> JSONResponse:
        return _problem(HTTPStatus.SERVICE_UNAVAILABLE, exc.message)


def _field_error(error: Any) -> dict[str, str]:
    """One validation error as a JSON Pointer into the body and a sentence."""
    location = [str(part) for part in error.get("loc", ()) if part != "body"]
    if error.get("type") == "json_invalid":
        # The location of a syntax error is a character offset, not a member.
        location = []
    pointer = "#" + "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in location)
    message = str(error.get("msg", "invalid"))
    return {"pointer": pointer, "detail": message.removeprefix("Value error, ")}


def _problem(
    status: HTTPStatus,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": status.phrase,
        "status": status.value,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status.value, media_type=PROBLEM_JSON, headers=headers)
