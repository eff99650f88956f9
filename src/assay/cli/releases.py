"""CLI: releases, sign-offs and readiness certificates."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from assay.services.context import Context

release_app = typer.Typer(help="Releases: bind a run's evidence, see what is missing.")
certificate_app = typer.Typer(help="Readiness certificates: issue, list, revoke.")

ProjectOpt = Annotated[Path, typer.Option("--project", "-C", help="Project folder.")]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Store URL (default: sqlite in PROJECT/.assay).", show_default=False
    ),
]
RunOpt = Annotated[
    str | None,
    typer.Option("--run", help="Run id (default: the project's newest run).", show_default=False),
]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", help="Name of the signing key (default: [signing] key)."),
]


def _context(project: Path, store: str | None, key: str | None = None) -> Context:
    from assay.cli.context import command_context

    return command_context(project, store, signing={"key": key} if key else None)


def _now() -> datetime:
    return datetime.now(UTC)


def _ask() -> str:
    return str(typer.prompt("Key passphrase", hide_input=True))


@release_app.command("create")
def release_create(
    name: Annotated[str, typer.Argument(help="Release name, for example 2.3.0.")],
    run: RunOpt = None,
    by: Annotated[
        str | None, typer.Option("--as", help="Who creates it (default: git user.email).")
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Create a release bound to a run's evidence (default: the newest run)."""
    from assay.collectors.git import current_user
    from assay.services.releases import create_release

    info = create_release(
        _context(project, store),
        project,
        name,
        run=run,
        by=by or current_user(project),
        now=_now(),
    )
    print(f"release {info.name} of {info.project} bound to run {info.run_id}")
    print(f"evidence digest {info.evidence_digest}")


@release_app.command("update")
def release_update(
    name: Annotated[str, typer.Argument(help="Release name.")],
    run: RunOpt = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Bind the release to newer evidence. Sign-offs of the old evidence become void."""
    from assay.collectors.git import current_user
    from assay.services.releases import update_release

    ctx = _context(project, store)
    info, changed = update_release(
        ctx, project, name, run=run, now=_now(), by=current_user(project)
    )
    print(f"release {info.name} bound to run {info.run_id}")
    if changed:
        print("the evidence changed: earlier sign-offs are void and must be given again")


@release_app.command("status")
def release_status_command(
    name: Annotated[str, typer.Argument(help="Release name.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Gates and sign-offs of a release, and exactly what is missing for a certificate.

    Exit 0 when a certificate can be issued, 1 otherwise.
    """
    from assay.cli.output.verdict import print_release_status
    from assay.services.releases import release_status

    status = release_status(_context(project, store), project, name, _now())
    if json_output:
        body = {
            "release": status.release.__dict__,
            "ready": status.ready,
            "missing": status.missing,
            "roles": [
                {
                    "role": r.role,
                    "needed": r.needed,
                    "approved_by": list(r.approved_by),
                    "rejected_by": list(r.rejected_by),
                    "expired": list(r.expired),
                    "void": list(r.void),
                    "conditions": [
                        {"signer": c.signer, "condition": c.text, "due": c.due.isoformat()}
                        for c in r.conditions
                    ],
                    "satisfied": r.satisfied,
                }
                for r in status.roles
            ],
        }
        sys.stdout.write(json.dumps(body, indent=2, sort_keys=True) + "\n")
    else:
        print_release_status(status)
    if not status.ready:
        raise typer.Exit(1)


def signoff(
    release: Annotated[str, typer.Argument(help="Release name.")],
    role: Annotated[str, typer.Option("--role", help="The role you sign for.")],
    approve: Annotated[bool, typer.Option("--approve", help="Approve.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject: blocks the role.")] = False,
    conditional: Annotated[
        str | None,
        typer.Option(
            "--conditional", help="Approve on a condition (with --due).", show_default=False
        ),
    ] = None,
    due: Annotated[
        datetime | None,
        typer.Option("--due", formats=["%Y-%m-%d"], help="Due date of the condition."),
    ] = None,
    signer: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Who signs: must be you (ASSAY_TOKEN's principal, else ASSAY_PRINCIPAL, "
            "else git user.email); refused otherwise.",
            show_default=False,
        ),
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Approve, reject, or approve with a condition, for one role of a release.

    You sign as yourself: ASSAY_TOKEN's principal, else ASSAY_PRINCIPAL, else git's
    user.email. One signer holds one role per release, the author of the run does not sign
    it, a sign-off expires ([signoff] validity_days, 30 by default) and is void once the
    release's evidence changes.
    """
    from assay.collectors.git import current_user
    from assay.core.signoff import Decision
    from assay.errors import UsageError
    from assay.services.releases import sign_off

    chosen = [
        d
        for d, on in (
            (Decision.APPROVE, approve),
            (Decision.REJECT, reject),
            (Decision.CONDITIONAL, conditional is not None),
        )
        if on
    ]
    if len(chosen) != 1:
        raise UsageError(
            "give exactly one of --approve, --reject, --conditional TEXT",
            hint='for example: --approve, or --conditional "fix the flaky test" --due 2027-01-31',
        )
    due_date: date | None = due.date() if due else None
    entry = sign_off(
        _context(project, store),
        project,
        release,
        role=role,
        actor=current_user(project),
        signer=signer,
        decision=chosen[0],
        condition=conditional,
        due=due_date,
        now=_now(),
    )
    print(
        f"{entry.signer} {entry.decision.value}s {release} as {entry.role} "
        f"(expires {entry.expires_at:%Y-%m-%d})"
    )


@certificate_app.command("issue")
def certificate_issue(
    release: Annotated[str, typer.Argument(help="Release name.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for the certificate files.")
    ] = None,
    key: KeyOpt = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Issue a signed readiness certificate, only when every gate passes or is waived and
    every required sign-off is valid with no condition past due. Exit 1, listing what is
    missing, otherwise."""
    from assay.collectors.git import current_user
    from assay.services.certificates import issue_certificate

    issued = issue_certificate(
        _context(project, store, key),
        project,
        release,
        now=_now(),
        ask=_ask,
        output=output,
        actor=current_user(project),
    )
    print(f"certificate {issued.id} for {release}, valid until {issued.valid_until:%Y-%m-%d}")
    print(f"statement sha256 {issued.statement_sha256}")
    for path in (issued.envelope_path, issued.markdown_path, issued.html_path):
        print(f"  {path}")


@certificate_app.command("list")
def certificate_list(project: ProjectOpt = Path(), store: StoreOpt = None) -> None:
    """Certificates of the store, oldest first."""
    from assay.services.certificates import list_certificates

    rows = list_certificates(_context(project, store))
    if not rows:
        print("no certificates yet: assay certificate issue RELEASE")
    for row in rows:
        state = (
            f"revoked {row.revoked_at:%Y-%m-%d}: {row.revoke_reason}"
            if row.revoked_at
            else (f"valid until {row.valid_until:%Y-%m-%d}")
        )
        print(f"{row.id}\t{row.release}\t{row.issued_at:%Y-%m-%d}\t{state}")


@certificate_app.command("revoke")
def certificate_revoke(
    certificate: Annotated[
        str, typer.Argument(help="Certificate id or statement digest (a prefix is enough).")
    ],
    reason: Annotated[str, typer.Option("--reason", help="Why it is revoked.")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Revoke a certificate; verification fails for it from now on."""
    from assay.collectors.git import current_user
    from assay.services.certificates import revoke_certificate

    ctx = _context(project, store)
    info = revoke_certificate(ctx, certificate, reason, now=_now(), actor=current_user(project))
    print(f"revoked certificate {info.id} of {info.release}: {reason}")
    print("publish the list for offline verifiers: assay certificate revocations -o FILE")


@certificate_app.command("revocations")
def certificate_revocations(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the list.")],
    key: KeyOpt = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Write the signed list of revoked certificates, for `assay verify --revocations`."""
    from assay.services.certificates import revocation_list

    envelope = revocation_list(_context(project, store, key), now=_now(), ask=_ask)
    output.write_text(json.dumps(envelope, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {output}")
