"""The ``assay`` command: the composition of the command modules, and the entry point."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from assay import __version__
from assay.cli import (
    audit,
    checks,
    compliance,
    dependencies,
    governance,
    releases,
    reports,
    retention,
    servers,
    trust,
    verdict,
)
from assay.cli.options import example
from assay.errors import AssayError

app = typer.Typer(
    name="assay",
    help="Evidence-backed production readiness: no claim without evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


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


# --help lists the commands in this order: the main flow (sbom, certify, gates...) first.
app.command("sbom")(dependencies.sbom)
app.command("certify")(verdict.certify)
app.command("claims")(reports.claims)
app.command("serve")(servers.serve)
app.command("mcp")(servers.mcp)
app.command("sixsigma")(reports.sixsigma)
app.command("gates")(verdict.gates)
app.command("scan")(dependencies.scan)
app.command("quality")(checks.quality)
app.add_typer(verdict.evidence_app, name="evidence")
app.add_typer(checks.check_app, name="check")
app.add_typer(verdict.runs_app, name="runs")
app.add_typer(dependencies.vulndb_app, name="vulndb")
app.add_typer(trust.keys_app, name="keys")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(governance.principal_app, name="principal")
app.add_typer(governance.token_app, name="token")
app.add_typer(governance.lockdown_app, name="lockdown")
app.add_typer(governance.incident_app, name="incident")
app.add_typer(releases.release_app, name="release")
app.add_typer(releases.certificate_app, name="certificate")
app.add_typer(compliance.compliance_app, name="compliance")
app.add_typer(retention.retention_app, name="retention")
app.command("signoff")(releases.signoff)
app.command("provenance")(trust.provenance)
app.command("verify")(trust.verify)
app.command(
    "package",
    epilog=example(
        "assay package 1.0.0 -o release.zip -C .", "assay verify release.zip --key release.pub.pem"
    ),
)(compliance.package)


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
