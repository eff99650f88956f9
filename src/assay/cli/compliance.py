"""CLI: compliance status against control catalogs."""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assay.cli.emit import json_text, say
from assay.cli.options import OutputOpt, ProjectOpt, StoreOpt, example, format_option, output_to

if TYPE_CHECKING:
    from assay.core.compliance import ComplianceStatus

compliance_app = typer.Typer(help="Compliance: controls of SSDF, ISO 27001, SOC 2, SP 800-53.")

FrameworkOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--framework",
        metavar="ID",
        help="ssdf, iso27001, soc2 or 800-53 (repeatable; default: [compliance] frameworks).",
        show_default=False,
    ),
]
ReleaseOpt = Annotated[
    str | None,
    typer.Option(
        "--release",
        "-r",
        metavar="NAME",
        help="Judge this release (default: the project's newest run, without release records).",
        show_default=False,
    ),
]
RunOpt = Annotated[
    str | None,
    typer.Option(
        "--run", metavar="RUN", help="Judge this run instead of the newest.", show_default=False
    ),
]

_MARK = {"satisfied": "ok", "partial": "partial", "missing": "MISSING", "not-applicable": "n/a"}


@compliance_app.command(
    "status",
    epilog=example(
        "assay compliance status --framework ssdf -C .",
        "assay compliance status --release 2.3.0 -f json -o compliance.json",
    ),
)
def status(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    framework: FrameworkOpt = None,
    release: ReleaseOpt = None,
    run: RunOpt = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """Each control as satisfied (with the evidence ids and digests), partial (what is
    missing), missing or not applicable (with the justification).

    Exit 0 when every required control is satisfied or not applicable, 1 otherwise.
    Required controls are the mapped ones; see docs/compliance.md.
    """
    from assay.cli.context import command_context
    from assay.formats.compliance import status_document
    from assay.services.compliance.status import compliance_status

    ctx = command_context(project, store)
    statuses = compliance_status(
        ctx, project, release=release, run=run, frameworks=framework, now=datetime.now(UTC)
    )
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(status_document(statuses)))
        else:
            for result in statuses:
                _print(result)
    if any(s.failing for s in statuses):
        raise typer.Exit(1)


def _print(result: ComplianceStatus) -> None:
    from assay.core.compliance import ControlState

    catalog, subject = result.catalog, result.subject
    what = f"release {subject.release}" if subject.release else f"run {subject.run[:8]}"
    say(f"{catalog.title} {catalog.version} - {subject.project} {what}")
    for c in result.controls:
        flag = "" if c.required or c.state is ControlState.NOT_APPLICABLE else " (not mapped)"
        say(f"  {_MARK[c.state.value]:<8} {c.control.id:<8} {c.control.title}{flag}")
        for proof in c.proofs:
            if proof.what == "gate":
                say(f"             gate {proof.name} passes")
            elif proof.what == "record":
                say(f"             {proof.name}: {proof.ident}")
            else:
                say(f"             {proof.name} {proof.ident[:8]} sha256:{proof.sha256[:16]}")
        for line in c.missing:
            say(f"             missing: {line}")
        if c.justification:
            say(f"             not applicable: {c.justification}")
    counts = ", ".join(f"{result.count(s)} {s.value}" for s in ControlState)
    failing = len(result.failing)
    say(f"  {counts}; {failing} required control(s) not satisfied")
    say("")


def package(
    release: Annotated[str, typer.Argument(metavar="RELEASE", help="The release to package.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="FILE", help="The package file (.zip), written atomically."
        ),
    ],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    key: Annotated[
        str | None,
        typer.Option("--key", metavar="NAME", help="Signing key (default: [signing] key)."),
    ] = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
) -> None:
    """An auditor package of a release: evidence blobs (or tombstones of purged ones),
    SBOM, provenance, sign-offs, certificates, compliance status, OSCAL and CycloneDX
    exports, and audit entries with inclusion proofs in a signed checkpoint, under a signed
    manifest. The same release and configuration give a byte-identical package.

    Check it anywhere, without a store: assay verify FILE --key PUB.pem
    """
    from assay.cli.context import command_context
    from assay.cli.plain import write_atomically
    from assay.services.compliance.package import build_package

    ctx = command_context(project, store)
    built = build_package(
        ctx,
        project,
        release,
        now=datetime.now(UTC),
        actor=ctx.caller.name,
        ask=lambda: str(typer.prompt("Key passphrase", hide_input=True)),
        key_name=key,
    )
    write_atomically(output, built.data)
    summary = {
        "file": str(output),
        "members": built.members,
        "evidence": built.evidence,
        "purged": built.purged,
        "audit_entries": built.audit_entries,
        "sha256": hashlib.sha256(built.data).hexdigest(),
    }
    if output_format == "json":
        sys.stdout.write(json_text(summary))
    else:
        say(
            f"wrote {output}: {built.members} members, {built.evidence} pieces of evidence "
            f"({built.purged} purged), {built.audit_entries} audit entries"
        )
        say(f"sha256:{summary['sha256']}")


def verify_package_file(
    path: Path, keys: list[Path], output_format: str, output: Path | None
) -> None:
    """``assay verify FILE.zip``: the package check, offline."""
    from assay.services.compliance.package_verify import verify_package
    from assay.signing.keys import key_id, load_public_key

    if not keys:
        from assay.errors import UsageError

        raise UsageError(
            "no trusted public key to verify the package with",
            hint="pass --key PUBLIC.pem (the signer's: assay keys export-public)",
        )
    trusted = {key_id(k): k for k in (load_public_key(p) for p in keys)}
    check = verify_package(path.read_bytes(), trusted)
    for problem in check.problems:
        print(f"verification failed: {problem}", file=sys.stderr)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(
                json_text({"verified": check.ok, "problems": check.problems, **check.facts})
            )
        elif check.ok:
            facts = check.facts
            say(
                f"verified auditor package of {facts.get('project')}@{facts.get('release')} "
                f"signed by key {str(facts.get('signed_by'))[:16]}"
            )
            say(
                f"  {facts.get('members')} members, {facts.get('evidence')} pieces of evidence, "
                f"{facts.get('certificates')} certificate(s), "
                f"{facts.get('audit_entries')} audit entries with inclusion proofs"
            )
    if not check.ok:
        raise typer.Exit(1)
