"""CLI: dependencies and vulnerabilities: sbom, scan, vulndb."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assay.cli.options import (
    EnvironmentOpt,
    FileArg,
    OutputOpt,
    ProjectOpt,
    PythonOpt,
    StoreOpt,
    example,
    format_option,
    output_to,
    source_from,
)

if TYPE_CHECKING:
    from assay.services.vulndb import ImportReport

vulndb_app = typer.Typer(
    help="The vulnerability database: import OSV data, check it, serve it.", no_args_is_help=True
)

SBOM_FORMATS = ("cyclonedx-json", "cyclonedx-xml", "spdx-json", "json")
"""``json`` is CycloneDX JSON, the default."""


def sbom(
    source: FileArg = None,
    project: ProjectOpt = Path(),
    python: PythonOpt = None,
    environment: EnvironmentOpt = False,
    output_format: Annotated[str, format_option(*SBOM_FORMATS)] = "cyclonedx-json",
    output: OutputOpt = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Check the document against the CycloneDX schema.")
    ] = False,
) -> None:
    """Write an SBOM for a project folder, a lock file or an installed environment.

    In a folder Assay reads the most exact source it finds: pylock.toml, uv.lock,
    poetry.lock, Pipfile.lock, requirements.txt, then the project's .venv, then
    pyproject.toml. The document's time is SOURCE_DATE_EPOCH when set, else the newest
    input's, so the same input gives the same bytes. -f json is CycloneDX JSON.

    \b
    Example:
      assay sbom -C examples/shipping-quotes -o bom.cdx.json
    """
    from assay.cli.plain import print_notices
    from assay.services.sbom import generate
    from assay.services.sbom import validate as validate_document
    from assay.services.sbom_format import SbomFormat

    _, path = source_from(project, source)
    fmt = SbomFormat.CYCLONEDX_JSON if output_format == "json" else SbomFormat(output_format)
    inventory, document = generate(path, fmt, python=python, environment=environment)
    if validate:
        problems = validate_document(document, fmt)
        if problems:
            print(f"error: schema validation failed: {problems[0]}", file=sys.stderr)
            raise typer.Exit(1)
    with output_to(output, announce=False):
        sys.stdout.write(document)
    print_notices(inventory, wrote=output)


def scan(
    source: FileArg = None,
    project: ProjectOpt = Path(),
    python: PythonOpt = None,
    environment: EnvironmentOpt = False,
    output_format: Annotated[
        str, format_option("text", "json", "sarif", "cyclonedx", aliases={"table": "text"})
    ] = "text",
    output: OutputOpt = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use only the imported database.")
    ] = False,
    online: Annotated[bool, typer.Option("--online", help="Use only the OSV API.")] = False,
    store: StoreOpt = None,
) -> None:
    """Match the project's dependencies against known vulnerabilities (OSV).

    Uses the imported database (assay vulndb import/sync) when there is one, else the OSV
    API. -f sarif is SARIF 2.1.0 for code scanning, -f cyclonedx CycloneDX 1.6 with the
    vulnerabilities linked to components. Exit 0 with no finding in force, 1 with
    findings, 3 when no vulnerability data could be consulted: that result is "unknown",
    never "no vulnerabilities".

    \b
    Example:
      assay scan -C . -f sarif -o assay.sarif
    """
    from assay.cli.context import command_context
    from assay.cli.plain import print_scan_warnings
    from assay.services.scan import scan as scan_project
    from assay.settings import VulnerabilitySource

    if offline and online:
        raise typer.BadParameter("--offline and --online exclude each other")
    project, path = source_from(project, source)
    ctx = command_context(project, store)
    vulnerability_source = (
        VulnerabilitySource.OFFLINE if offline else VulnerabilitySource.ONLINE if online else None
    )
    outcome = scan_project(
        path, ctx, python=python, environment=environment, source=vulnerability_source
    )
    result = outcome.result
    with output_to(output):
        if output_format == "text":
            from assay.cli.output.checks import print_scan

            print_scan(outcome.inventory, result)
        elif output_format == "json":
            from assay.formats import registry

            sys.stdout.write(registry.render(result, "json").decode())
        elif output_format == "sarif":
            from assay.collectors._files import relative_path
            from assay.formats import registry

            source_file = next(iter(outcome.inventory.sources), None)
            uri = relative_path(source_file.path if source_file else ".", project)
            sys.stdout.write(registry.render(result, "sarif", artifact_uri=uri).decode())
        else:
            from assay.formats import cyclonedx_vulns
            from assay.services.sbom import document_time

            inventory = outcome.inventory
            sys.stdout.write(cyclonedx_vulns.to_json(inventory, result, document_time(inventory)))
        print_scan_warnings(result, to_stderr=output_format != "text")
    if result.status.value == "unknown":
        raise typer.Exit(3)
    if result.findings:
        raise typer.Exit(1)


@vulndb_app.command(
    "import",
    epilog=example("assay vulndb import osv-pypi-advisories.zip -C examples/shipping-quotes"),
)
def vulndb_import(
    source: Annotated[
        Path, typer.Argument(help="OSV export: a .zip of records, a folder, or one record.")
    ],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """Replace the vulnerability database with an OSV export (for example PyPI/all.zip).

    Malformed records are left out and listed by id; the rest is imported in one
    transaction, so a failed import leaves the previous data in force.
    """
    from assay.cli.context import command_context
    from assay.collectors.git import current_user
    from assay.services.vulndb import import_export

    ctx = command_context(project, store)
    _print_import(import_export(ctx, source, actor=current_user(project)), output_format, output)


def _print_import(report: ImportReport, output_format: str, output: Path | None) -> None:
    with output_to(output):
        if output_format == "json":
            from assay.cli.emit import json_text

            rejected = [{"id": ident, "reason": why} for ident, why in report.rejected]
            sys.stdout.write(
                json_text(
                    {"snapshot": report.snapshot, "rejected": rejected, "seconds": report.seconds}
                )
            )
        else:
            from assay.cli.output.checks import print_import

            print_import(report)


@vulndb_app.command("status", epilog=example("assay vulndb status -C . -f json"))
def vulndb_status(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """Show the database in force: snapshot digest, record count, newest record, age.

    Exit 1 when there is none (-f json prints null).
    """
    from assay.cli.context import command_context
    from assay.errors import NotFoundError
    from assay.services.vulndb import snapshot_info

    ctx = command_context(project, store)
    try:
        info = snapshot_info(ctx.store(create=False))
    except NotFoundError:
        info = None
    with output_to(output):
        if output_format == "json":
            from assay.cli.emit import json_text

            sys.stdout.write(json_text(info))
        else:
            from assay.cli.output.checks import print_snapshot

            print_snapshot(info)
        if info is None:
            raise typer.Exit(1)


@vulndb_app.command("sync", epilog=example("assay vulndb sync -C ."))
def vulndb_sync(
    url: Annotated[
        str | None,
        typer.Option("--url", metavar="URL", help="Export to download (default from settings)."),
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """Download OSV's PyPI export and import it; offline, keep the current data and say so."""
    from assay.cli.context import command_context
    from assay.services.vulndb_sync import sync

    ctx = command_context(project, store)
    report = sync(ctx, url or ctx.settings.vulnerabilities.export_url)
    _print_import(report, output_format, output)


@vulndb_app.command("serve", epilog=example("assay vulndb serve -C . --port 8765"))
def vulndb_serve(
    host: Annotated[
        str, typer.Option("--host", metavar="H", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="N", help="Port to listen on.")] = 8765,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Serve the imported data as an OSV-compatible API (/v1/query, /v1/querybatch, /v1/vulns).

    Existing OSV clients work offline against it, for example:
    pip-audit --osv-url http://127.0.0.1:8765/v1/query
    """
    from assay.cli.context import command_context
    from assay.errors import NotFoundError
    from assay.services.vulndb import snapshot_info
    from assay.serving import ServerOptions, run

    ctx = command_context(project, store)
    info = snapshot_info(ctx.store(create=False))
    ctx.close()
    if info is None:
        raise NotFoundError(
            "the vulnerability database is empty", hint="import data first: assay vulndb import"
        )
    print(
        f"serving {info.record_count} OSV records (snapshot {info.digest[:12]}) "
        f"on http://{host}:{port}/v1/",
        file=sys.stderr,
        flush=True,
    )
    arguments = {"project": str(project.resolve()), "store": store}
    run(
        ServerOptions(
            "assay.api.osv_server:app_for", host, port, 1, {"log_level": "warning"}, arguments
        )
    )
