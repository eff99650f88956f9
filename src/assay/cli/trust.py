"""CLI: signing keys, provenance, and offline verification."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assay.cli.emit import json_text, record, say
from assay.cli.options import (
    OutputOpt,
    ProjectOpt,
    StoreOpt,
    example,
    format_option,
    output_to,
)

if TYPE_CHECKING:
    from assay.signing.keys import KeyInfo

keys_app = typer.Typer(
    help="Ed25519 signing keys, encrypted at rest (passphrase: ASSAY_KEY_PASSPHRASE or a prompt).",
    no_args_is_help=True,
)

KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--key",
        metavar="NAME",
        help="Name of the signing key (default: [signing] key, 'default').",
    ),
]


def _ask(confirm: bool = False) -> str:
    return str(typer.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm))


@keys_app.command(
    "generate", epilog=example("ASSAY_KEY_PASSPHRASE=... assay keys generate release -C .")
)
def keys_generate(
    name: Annotated[str, typer.Argument(help="Key name.")] = "default",
    project: ProjectOpt = Path(),
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """Create an Ed25519 key pair: NAME.key (encrypted PKCS#8, mode 0600) and NAME.pub."""
    from assay.services.signing import key_ring, passphrase_from_environment
    from assay.settings import load_settings

    ring = key_ring(load_settings(project))
    info = ring.generate(name, passphrase_from_environment(lambda: _ask(confirm=True)))
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text({**_key_data(info), "folder": ring.folder}))
            return
        say(f"created key {info.name} ({info.key_id[:16]}) in {ring.folder}")
        say(f"share the public key with: assay keys export-public {info.name}")


def _key_data(info: KeyInfo) -> dict[str, object]:
    return {
        "name": info.name,
        "key_id": info.key_id,
        "created": info.created,
        "public": info.public,
    }


@keys_app.command("list", epilog=example("assay keys list -C . -f json"))
def keys_list(
    project: ProjectOpt = Path(),
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """The keys of the key folder, with their ids."""
    from assay.services.signing import key_ring
    from assay.settings import load_settings

    ring = key_ring(load_settings(project))
    keys = [ring.info(name) for name in ring.names()]
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text([_key_data(info) for info in keys]))
            return
        if not keys:
            say(f"no keys in {ring.folder}; create one with: assay keys generate")
        for info in keys:
            record(
                f"{info.name}  {info.key_id}",
                [("created", f"{info.created:%Y-%m-%d}"), ("public", str(info.public))],
            )


@keys_app.command(
    "export-public", epilog=example("assay keys export-public release -o release.pub.pem")
)
def keys_export_public(
    name: Annotated[str, typer.Argument(help="Key name.")] = "default",
    output: OutputOpt = None,
    project: ProjectOpt = Path(),
    output_format: Annotated[str, format_option("pem", "json")] = "pem",
) -> None:
    """Print (or write) the public key as PEM, for whoever verifies Assay's documents."""
    from assay.services.signing import key_ring
    from assay.settings import load_settings
    from assay.signing.keys import key_id, public_pem

    public = key_ring(load_settings(project)).public_key(name)
    pem = public_pem(public).decode()
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text({"name": name, "key_id": key_id(public), "pem": pem}))
        else:
            sys.stdout.write(pem)


def provenance(
    artifacts: Annotated[list[Path], typer.Argument(help="Built files: wheels, sdists, any file.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="The envelope file (default: PROJECT.intoto.json beside the first artifact).",
            show_default=False,
        ),
    ] = None,
    key: KeyOpt = None,
    project: ProjectOpt = Path(),
    output_format: Annotated[str, format_option("text", "json")] = "text",
) -> None:
    """Write signed SLSA Provenance v1 for built artifacts (a DSSE envelope).

    Records each artifact's SHA-256, the git commit and whether the tree was dirty, the
    lock files' digests and the builder. With SOURCE_DATE_EPOCH set, the same build gives
    a byte-identical document. The envelope is the output: it goes to -o FILE (default:
    beside the artifacts); standard output says what was signed.

    \b
    Example:
      assay provenance dist/* -C .
    """
    from assay.services.provenance import write_provenance
    from assay.settings import load_settings

    settings = load_settings(project, signing={"key": key} if key else None)
    result = write_provenance(settings, project, artifacts, output=output, ask=_ask)
    if output_format == "json":
        subjects = [{"name": name, "sha256": digest} for name, digest in result.subjects]
        sys.stdout.write(
            json_text({"envelope": result.path, "key_id": result.key_id, "subjects": subjects})
        )
        return
    for name, digest in result.subjects:
        say(f"{name}  sha256:{digest}")
    say(f"signed with key {result.key_id[:16]}: {result.path}")


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def verify(
    document: Annotated[
        Path,
        typer.Argument(help="An Assay DSSE document (.intoto.json) or auditor package (.zip)."),
    ],
    key: Annotated[
        list[Path] | None,
        typer.Option(
            "--key", metavar="PUB.pem", help="Trusted public key (PEM); repeat for several."
        ),
    ] = None,
    artifacts: Annotated[
        Path | None,
        typer.Option(
            "--artifacts",
            metavar="DIR",
            help="Folder of the artifacts (default: the document's).",
        ),
    ] = None,
    revocations: Annotated[
        Path | None,
        typer.Option(
            "--revocations",
            metavar="FILE",
            help="A revocation list from assay certificate revocations.",
        ),
    ] = None,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            "-C",
            metavar="PATH",
            help="Also check revocations in this project's store.",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """Verify provenance, a certificate, an auditor package or any Assay DSSE document,
    offline.

    It needs nothing but the public key; with -C PATH (or --store URL) it also checks the
    revocations in that store. Exit 0 when it verifies; 1 with the reason when it does not:
    unknown key, bad signature, digest mismatch, expired, revoked, malformed.

    \b
    Example:
      assay verify dist/shipping-quotes.intoto.json --key release.pub.pem
    """
    if _is_zip(document):  # before the store's imports: a package needs no store
        from assay.cli.compliance import verify_package_file

        verify_package_file(document, key or [], output_format, output)
        return
    from assay.cli.context import command_context
    from assay.services.verify import verify_file

    ctx = command_context(project or Path(), store) if project or store else None
    outcome = verify_file(
        document, key or [], artifacts=artifacts, revocations=revocations, ctx=ctx
    )
    verified = outcome.verified
    if outcome.failure is not None:
        print(f"verification failed: {outcome.failure}", file=sys.stderr)
    with output_to(output):
        if output_format == "json":
            body: dict[str, object] = {"verified": verified is not None}
            if outcome.failure is not None:
                failure = outcome.failure
                body["failure"] = {"reason": failure.reason, "detail": failure.detail}
            if verified is not None:
                body |= {
                    "kind": verified.kind,
                    "key_id": verified.key_id,
                    "details": verified.details,
                }
            sys.stdout.write(json_text(body))
        elif verified is not None:
            say(f"verified {verified.kind} signed by key {verified.key_id[:16]}")
            for line in verified.details:
                say(f"  {line}")
        if outcome.failure is not None:
            raise typer.Exit(1)
