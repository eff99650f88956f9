"""The ``assay`` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assay import __version__
from assay.errors import AssayError
from assay.services.sbom_format import SbomFormat

app = typer.Typer(
    name="assay",
    help="Evidence-backed production readiness: no claim without evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
evidence_app = typer.Typer(help="Look at stored evidence.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")

ProjectArg = Annotated[
    Path, typer.Argument(help="Project folder (default: the current folder).", show_default=False)
]
PythonOpt = Annotated[
    str | None,
    typer.Option(
        "--python",
        help="Inventory the environment of this interpreter or virtual environment folder.",
        show_default=False,
    ),
]
EnvironmentOpt = Annotated[
    bool,
    typer.Option(
        "--environment",
        help="Inventory the installed environment (the project's .venv, else the running "
        "Python) instead of lock files.",
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Store URL (default: sqlite in PROJECT/.assay).", show_default=False
    ),
]


def _version(value: bool) -> None:
    if value:
        print(f"assay {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Assay turns a project's real artifacts into signed evidence and a readiness verdict."""


@app.command()
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


@app.command()
def certify(
    path: ProjectArg = Path(),
    python: PythonOpt = None,
    environment: EnvironmentOpt = False,
    store: StoreOpt = None,
) -> None:
    """Collect evidence for the project, judge the gates and print the readiness verdict.

    Exit 0 when every gate passes, 1 when any gate fails or is unknown, 2 on bad input,
    3 when the machine is the problem (store locked, database unreachable).
    """
    from assay.cli.output import RichProgress, print_certify_result
    from assay.services.certify import certify as certify_project
    from assay.settings import load_settings

    settings = load_settings(path, store={"url": store} if store else None)
    with RichProgress() as progress:
        result = certify_project(
            path, settings, python=python, environment=environment, progress=progress
        )
    print_certify_result(result)
    if result.report.verdict.value != "ready":
        raise typer.Exit(1)


@app.command()
def runs(
    project: Annotated[Path, typer.Option("--project", "-C", help="Project folder.")] = Path(),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs.")] = 20,
    store: StoreOpt = None,
) -> None:
    """List the most recent certify runs, newest first."""
    from assay.cli.output import print_runs
    from assay.services.runs import list_runs
    from assay.settings import load_settings

    settings = load_settings(project, store={"url": store} if store else None)
    print_runs(list_runs(settings, limit=limit))


@evidence_app.command("show")
def evidence_show(
    ident: Annotated[
        str, typer.Argument(help="Evidence id or SHA-256 (a unique prefix is enough).")
    ],
    project: Annotated[Path, typer.Option("--project", "-C", help="Project folder.")] = Path(),
    raw: Annotated[bool, typer.Option("--raw", help="Print only the evidence document.")] = False,
    store: StoreOpt = None,
) -> None:
    """Show one piece of evidence: what it is, where it came from, and its content."""
    from assay.cli.output import print_evidence
    from assay.services.runs import show_evidence
    from assay.settings import load_settings

    settings = load_settings(project, store={"url": store} if store else None)
    record, data = show_evidence(settings, ident)
    if raw:
        sys.stdout.buffer.write(data)
        return
    print_evidence(record, data)


def run() -> None:
    """Console-script entry point: map Assay's errors to one line, a hint and an exit code."""
    try:
        app()
    except AssayError as exc:
        from assay.cli.output import print_error

        print_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("assay: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception:  # the top-level handler: a bug must not read as "not ready" (exit 1)
        import traceback

        traceback.print_exc()
        print(
            f"error: internal error in assay {__version__}; this is a bug, please report it "
            "with the traceback above",
            file=sys.stderr,
        )
        sys.exit(3)


if __name__ == "__main__":
    run()
