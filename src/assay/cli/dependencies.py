"""CLI: dependencies and vulnerabilities: sbom, scan, vulndb."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.options import EnvironmentOpt, ProjectArg, ProjectOpt, PythonOpt, StoreOpt
from assay.services.sbom_format import SbomFormat

vulndb_app = typer.Typer(
    help="The vulnerability database: import OSV data, check it, serve it.", no_args_is_help=True
)


def sbom(
    path: ProjectArg = Path(),
    python: PythonOpt = None,
    environment: EnvironmentOpt = False,
    fmt: Annotated[
        SbomFormat, typer.Option("--format", "-f", help="Document format.")
    ] = SbomFormat.CYCLONEDX_JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Check the document against the CycloneDX schema.")
    ] = False,
) -> None:
    """Write an SBOM for a project folder, a lock file or an installed environment.

    In a folder Assay reads the most exact source it finds: pylock.toml, uv.lock,
    poetry.lock, Pipfile.lock, requirements.txt, then the project's .venv, then
    pyproject.toml. The document's time is SOURCE_DATE_EPOCH when set, else the newest
    input's, so the same input gives the same bytes.
    """
    from assay.cli.plain import print_notices, write_atomically
    from assay.services.sbom import generate
    from assay.services.sbom import validate as validate_document

    inventory, document = generate(path, fmt, python=python, environment=environment)
    if validate:
        problems = validate_document(document, fmt)
        if problems:
            print(f"error: schema validation failed: {problems[0]}", file=sys.stderr)
            raise typer.Exit(1)
    if output is None:
        sys.stdout.write(document)
    else:
        write_atomically(output, document)
    print_notices(inventory, wrote=output)


class ScanFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"


def scan(
    path: ProjectArg = Path(),
    python: PythonOpt = None,
    environment: EnvironmentOpt = False,
    fmt: Annotated[
        ScanFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ScanFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use only the imported database.")
    ] = False,
    online: Annotated[bool, typer.Option("--online", help="Use only the OSV API.")] = False,
    store: StoreOpt = None,
) -> None:
    """Match the project's dependencies against known vulnerabilities (OSV).

    Uses the imported database (assay vulndb import/sync) when there is one, else the OSV
    API. Exit 0 with no finding in force, 1 with findings, 3 when no vulnerability data
    could be consulted: that result is "unknown", never "no vulnerabilities".
    """
    from assay.cli.context import command_context
    from assay.cli.plain import print_scan_warnings, write_atomically
    from assay.services.scan import scan as scan_project
    from assay.settings import VulnerabilitySource

    if offline and online:
        raise typer.BadParameter("--offline and --online exclude each other")
    project = path if path.is_dir() else path.parent
    ctx = command_context(project, store)
    source = (
        VulnerabilitySource.OFFLINE if offline else VulnerabilitySource.ONLINE if online else None
    )
    outcome = scan_project(path, ctx, python=python, environment=environment, source=source)
    result = outcome.result
    if fmt is ScanFormat.TABLE:
        from assay.cli.output.checks import print_scan

        print_scan(outcome.inventory, result)
        document = None
    elif fmt is ScanFormat.JSON:
        from assay.formats import scan_json

        document = scan_json.dumps(result)
    elif fmt is ScanFormat.SARIF:
        from assay.collectors._files import relative_path
        from assay.formats import sarif

        source_file = next(iter(outcome.inventory.sources), None)
        uri = relative_path(source_file.path if source_file else ".", project)
        document = sarif.to_sarif(result, artifact_uri=uri)
    else:
        from assay.formats import cyclonedx_vulns
        from assay.services.sbom import document_time

        document = cyclonedx_vulns.to_json(
            outcome.inventory, result, document_time(outcome.inventory)
        )
    if document is not None:
        if output is None:
            sys.stdout.write(document)
        else:
            write_atomically(output, document)
    print_scan_warnings(result, to_stderr=document is not None or output is not None)
    if result.status.value == "unknown":
        raise typer.Exit(3)
    if result.findings:
        raise typer.Exit(1)


@vulndb_app.command("import")
def vulndb_import(
    source: Annotated[
        Path, typer.Argument(help="OSV export: a .zip of records, a folder, or one record.")
    ],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Replace the vulnerability database with an OSV export (for example PyPI/all.zip).

    Malformed records are left out and listed by id; the rest is imported in one
    transaction, so a failed import leaves the previous data in force.
    """
    from assay.cli.context import command_context
    from assay.cli.output.checks import print_import
    from assay.services.vulndb import import_export

    ctx = command_context(project, store)
    from assay.collectors.git import current_user

    print_import(import_export(ctx, source, actor=current_user(project)))


@vulndb_app.command("status")
def vulndb_status(project: ProjectOpt = Path(), store: StoreOpt = None) -> None:
    """Show the database in force: snapshot digest, record count, newest record, age."""
    from assay.cli.context import command_context
    from assay.cli.output.checks import print_snapshot
    from assay.errors import NotFoundError
    from assay.services.vulndb import snapshot_info

    ctx = command_context(project, store)
    try:
        info = snapshot_info(ctx.store(create=False))
    except NotFoundError:
        print_snapshot(None)
        raise typer.Exit(1) from None
    print_snapshot(info)
    if info is None:
        raise typer.Exit(1)


@vulndb_app.command("sync")
def vulndb_sync(
    url: Annotated[
        str | None, typer.Option("--url", help="Export to download (default from settings).")
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Download OSV's PyPI export and import it; offline, keep the current data and say so."""
    from assay.cli.context import command_context
    from assay.cli.output.checks import print_import
    from assay.services.vulndb_sync import sync

    ctx = command_context(project, store)
    print_import(sync(ctx, url or ctx.settings.vulnerabilities.export_url))


@vulndb_app.command("serve")
def vulndb_serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
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
