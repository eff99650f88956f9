"""CLI: releases, sign-offs and readiness certificates."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assay.cli.emit import json_text, plain_data, record, say
from assay.cli.options import (
    JsonFlag,
    OutputOpt,
    ProjectOpt,
    StoreOpt,
    deprecated,
    example,
    format_option,
    json_alias,
    output_to,
)

if TYPE_CHECKING:
    from assay.services.context import Context
    from assay.services.releases import ReleaseStatus

release_app = typer.Typer(help="Releases: bind a run's evidence, see what is missing.")
certificate_app = typer.Typer(help="Readiness certificates: issue, list, renew, revoke.")

RunOpt = Annotated[
    str | None,
    typer.Option(
        "--run",
        metavar="RUN",
        help="Run id (default: the project's newest run).",
        show_default=False,
    ),
]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", metavar="NAME", help="Name of the signing key (default: [signing] key)."),
]
FormatOpt = Annotated[str, format_option("text", "json")]


def _context(project: Path, store: str | None, key: str | None = None) -> Context:
    from assay.cli.context import command_context

    return command_context(project, store, signing={"key": key} if key else None)


def _now() -> datetime:
    return datetime.now(UTC)


def _ask() -> str:
    return str(typer.prompt("Key passphrase", hide_input=True))


@release_app.command(
    "create", epilog=example("assay release create 2.3.0 -C examples/shipping-quotes")
)
def release_create(
    name: Annotated[str, typer.Argument(help="Release name, for example 2.3.0.")],
    run: RunOpt = None,
    by: Annotated[
        str | None,
        typer.Option("--as", metavar="WHO", help="Who creates it (default: git user.email)."),
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
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
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(info))
            return
        say(f"release {info.name} of {info.project} bound to run {info.run_id}")
        say(f"evidence digest {info.evidence_digest}")


@release_app.command("update", epilog=example("assay release update 2.3.0 --run 3f2a9c -C ."))
def release_update(
    name: Annotated[str, typer.Argument(help="Release name.")],
    run: RunOpt = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Bind the release to newer evidence. Sign-offs of the old evidence become void."""
    from assay.collectors.git import current_user
    from assay.services.releases import update_release

    ctx = _context(project, store)
    info, changed = update_release(
        ctx, project, name, run=run, now=_now(), by=current_user(project)
    )
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text({**plain_data(info), "evidence_changed": changed}))
            return
        say(f"release {info.name} bound to run {info.run_id}")
        if changed:
            say("the evidence changed: earlier sign-offs are void and must be given again")


@release_app.command("status", epilog=example("assay release status 2.3.0 -C . -f json"))
def release_status_command(
    name: Annotated[str, typer.Argument(help="Release name.")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
    json_flag: JsonFlag = False,
) -> None:
    """Gates and sign-offs of a release, and exactly what is missing for a certificate.

    Exit 0 when a certificate can be issued, 1 otherwise.
    """
    from assay.services.releases import release_status

    output_format = json_alias(output_format, json_flag)
    status = release_status(_context(project, store), project, name, _now())
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json.dumps(_status_data(status), indent=2, sort_keys=True) + "\n")
        else:
            from assay.cli.output.verdict import print_release_status

            print_release_status(status)
        if not status.ready:
            raise typer.Exit(1)


def _status_data(status: ReleaseStatus) -> dict[str, object]:
    return {
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


def signoff(
    release: Annotated[str, typer.Argument(help="Release name.")],
    role: Annotated[str, typer.Option("--role", metavar="ROLE", help="The role you sign for.")],
    approve: Annotated[bool, typer.Option("--approve", help="Approve.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject: blocks the role.")] = False,
    conditional: Annotated[
        str | None,
        typer.Option(
            "--conditional",
            metavar="TEXT",
            help="Approve on a condition (with --due).",
            show_default=False,
        ),
    ] = None,
    due: Annotated[
        datetime | None,
        typer.Option(
            "--due", metavar="DATE", formats=["%Y-%m-%d"], help="Due date of the condition."
        ),
    ] = None,
    signer: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="YOU",
            help="Who signs: must be you (ASSAY_TOKEN's principal, else ASSAY_PRINCIPAL, "
            "else git user.email); refused otherwise.",
            show_default=False,
        ),
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Approve, reject, or approve with a condition, for one role of a release.

    You sign as yourself: ASSAY_TOKEN's principal, else ASSAY_PRINCIPAL, else git's
    user.email. One signer holds one role per release, the author of the run does not sign
    it, a sign-off expires ([signoff] validity_days, 30 by default) and is void once the
    release's evidence changes.

    \b
    Example:
      ASSAY_PRINCIPAL=qa@example.com assay signoff 2.3.0 --role qa --approve -C .
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
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text({**plain_data(entry), "release": release}))
            return
        say(
            f"{entry.signer} {entry.decision.value}s {release} as {entry.role} "
            f"(expires {entry.expires_at:%Y-%m-%d})"
        )


@certificate_app.command("issue", epilog=example("assay certificate issue 2.3.0 -C ."))
def certificate_issue(
    release: Annotated[str, typer.Argument(help="Release name.")],
    folder: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            metavar="DIR",
            help="Folder for the certificate files (default: .assay/certificates/ID/).",
            show_default=False,
        ),
    ] = None,
    key: KeyOpt = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: Annotated[str | None, format_option("text", "json")] = None,
    output: OutputOpt = None,
) -> None:
    """Issue a signed readiness certificate, only when every gate passes or is waived and
    every required sign-off is valid with no condition past due. Exit 1, listing what is
    missing, otherwise. The signed envelope, its Markdown and HTML go to --dir."""
    from assay.collectors.git import current_user
    from assay.services.certificates import issue_certificate

    if output is not None and output_format is None:
        # The release before took -o as the folder of the certificate files.
        deprecated("-o DIR for the certificate files is deprecated; use --dir DIR")
        folder, output = folder or output, None
    issued = issue_certificate(
        _context(project, store, key),
        project,
        release,
        now=_now(),
        ask=_ask,
        output=folder,
        actor=current_user(project),
    )
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text({**plain_data(issued), "release": release}))
            return
        say(f"certificate {issued.id} for {release}, valid until {issued.valid_until:%Y-%m-%d}")
        say(f"statement sha256 {issued.statement_sha256}")
        for path in (issued.envelope_path, issued.markdown_path, issued.html_path):
            say(f"  {path}")


@certificate_app.command("renew", epilog=example("assay certificate renew 2.3.0 -C ."))
def certificate_renew(
    release: Annotated[str, typer.Argument(help="Release name.")],
    key: KeyOpt = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Renew the release's certificate once it is due for review: judge the release again
    now, exactly as issue does (sign-offs that have expired do not count, so renewing
    usually needs fresh ones), and sign a successor that names the newest unrevoked
    certificate it supersedes. Exit 1, listing what is missing, when it is not ready; 2
    when the release has no certificate yet."""
    from assay.collectors.git import current_user
    from assay.services.renewal import renew_certificate

    issued = renew_certificate(
        _context(project, store, key),
        project,
        release,
        now=_now(),
        actor=current_user(project),
        ask=_ask,
    )
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text({**plain_data(issued), "release": release}))
            return
        say(
            f"certificate {issued.id} for {release} renews {issued.predecessor}, "
            f"valid until {issued.valid_until:%Y-%m-%d}"
        )
        say(f"statement sha256 {issued.statement_sha256}")
        for path in (issued.envelope_path, issued.markdown_path, issued.html_path):
            say(f"  {path}")


@certificate_app.command("list", epilog=example("assay certificate list -C . -f json"))
def certificate_list(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Certificates of the store, oldest first, with their state: valid, due for review
    (renew it: assay certificate renew RELEASE) or revoked, and what each renewed."""
    from assay.services.certificates import list_certificates

    rows = list_certificates(_context(project, store), now=_now())
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(rows))
            return
        if not rows:
            say("no certificates yet: assay certificate issue RELEASE")
        for row in rows:
            state = (
                f"revoked {row.revoked_at:%Y-%m-%d}: {row.revoke_reason}"
                if row.revoked_at
                else (f"valid until {row.valid_until:%Y-%m-%d}")
            )
            fields = [("issued", f"{row.issued_at:%Y-%m-%d}"), ("state", state)]
            if row.next_review is not None:
                review = f"{row.next_review:%Y-%m-%d}"
                fields.append(("review", f"due since {review}" if row.review_due else review))
            if row.predecessor:
                fields.append(("renews", row.predecessor))
            record(f"{row.id}  {row.release}", fields)


@certificate_app.command(
    "revoke", epilog=example('assay certificate revoke CERT --reason "key leaked" -C .')
)
def certificate_revoke(
    certificate: Annotated[
        str, typer.Argument(help="Certificate id or statement digest (a prefix is enough).")
    ],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why it is revoked.")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Revoke a certificate; verification fails for it from now on."""
    from assay.collectors.git import current_user
    from assay.services.certificates import revoke_certificate

    ctx = _context(project, store)
    info = revoke_certificate(ctx, certificate, reason, now=_now(), actor=current_user(project))
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(info))
            return
        say(f"revoked certificate {info.id} of {info.release}: {reason}")
        say("publish the list for offline verifiers: assay certificate revocations -o FILE")


@certificate_app.command(
    "revocations", epilog=example("assay certificate revocations -C . -o revoked.json")
)
def certificate_revocations(
    output: OutputOpt = None,
    key: KeyOpt = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("json")] = "json",
) -> None:
    """Write the signed list of revoked certificates, for `assay verify --revocations`
    (a JSON document: -f json is its only format)."""
    from assay.services.certificates import revocation_list

    envelope = revocation_list(_context(project, store, key), now=_now(), ask=_ask)
    with output_to(output):
        sys.stdout.write(json.dumps(envelope, indent=2, sort_keys=True) + "\n")
