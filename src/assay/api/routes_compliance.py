"""/api/v1 routes for compliance status and auditor packages: thin adapters over the
compliance services the CLI and MCP use."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from assay.api.deps import CurrentCaller, now
from assay.api.responses import READ
from assay.formats.compliance import status_document
from assay.services.compliance.package import build_package
from assay.services.compliance.status import compliance_status

__all__ = ["router"]

router = APIRouter(tags=["compliance"])

Frameworks = Annotated[
    list[str] | None,
    Query(
        max_length=10,
        description="ssdf, iso27001, soc2, 800-53 (repeatable; default: [compliance] frameworks).",
    ),
]


@router.get("/projects/{project}/compliance", responses=READ)
def status(
    who: CurrentCaller,
    project: str,
    framework: Frameworks = None,
    release: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    """Each control as satisfied (with evidence ids and digests), partial, missing or not
    applicable, for a release or the project's newest run; as ``assay compliance status``."""
    statuses = compliance_status(
        who.ctx, project, release=release, frameworks=framework, now=now(), actor=who.name
    )
    return status_document(statuses)


@router.get(
    "/projects/{project}/releases/{name}/package",
    responses={**READ, 200: {"content": {"application/zip": {}}}},
    response_class=Response,
)
def package(who: CurrentCaller, project: str, name: str) -> Response:
    """The release's auditor package (zip, signed manifest), as ``assay package``; check it
    offline with ``assay verify FILE --key PUB.pem``. Needs the audit-reading role."""
    built = build_package(who.ctx, project, name, now=now(), actor=who.name)
    from urllib.parse import quote

    wanted = f"{project}-{name}.zip"
    plain = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in wanted
    )
    # RFC 6266: an ASCII name for old clients, the UTF-8 one for the rest.
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(wanted, safe='')}"
    return Response(
        built.data, media_type="application/zip", headers={"Content-Disposition": disposition}
    )
