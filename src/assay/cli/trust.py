"""CLI: signing keys, provenance, and offline verification."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

keys_app = typer.Typer(
    help="Ed25519 signing keys, encrypted at rest (passphrase: ASSAY_KEY_PASSPHRASE or a prompt).",
    no_args_is_help=True,
)

ProjectOpt = Annotated[Path, typer.Option("--project", "-C", help="Project folder.")]
KeyOpt = Annotated[
    str | None,
    typer.Option("--key", help="Name of the signing key (default: [signing] key, 'default')."),
]


def _ask(confirm: bool = False) -> str:
    return str(typer.prompt("Key passphrase", hide_input=True, confirmation_prompt=confirm))


@keys_app.command("generate")
def keys_generate(
    name: Annotated[str, typer.Argument(help="Key name.")] = "default",
    project: ProjectOpt = Path(),
) -> None:
    """Create an Ed25519 key pair: NAME.key (encrypted PKCS#8, mode 0600) and NAME.pub."""
    from assay.services.signing import key_ring, passphrase_from_environment
    from assay.settings import load_settings

    ring = key_ring(load_settings(project))
    info = ring.generate(name, passphrase_from_environment(lambda: _ask(confirm=True)))
    print(f"created key {info.name} ({info.key_id[:16]}) in {ring.folder}")
    print(f"share the public key with: assay keys export-public {info.name}")


@keys_app.command("list")
def keys_list(project: ProjectOpt = Path()) -> None:
    """The keys of the key folder, with their ids."""
    from assay.services.signing import key_ring
    from assay.settings import load_settings

    ring = key_ring(load_settings(project))
    names = ring.names()
    if not names:
        print(f"no keys in {ring.folder}; create one with: assay keys generate")
        return
    for name in names:
        info = ring.info(name)
        print(f"{info.name}\t{info.key_id}\t{info.created:%Y-%m-%d}\t{info.public}")


@keys_app.command("export-public")
def keys_export_public(
    name: Annotated[str, typer.Argument(help="Key name.")] = "default",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    project: ProjectOpt = Path(),
) -> None:
    """Print (or write) the public key as PEM, for whoever verifies Assay's documents."""
    from assay.services.signing import key_ring
    from assay.settings import load_settings
    from assay.signing.keys import public_pem

    pem = public_pem(key_ring(load_settings(project)).public_key(name))
    if output:
        output.write_bytes(pem)
        print(f"wrote {output}")
    else:
        sys.stdout.write(pem.decode())


def provenance(
    artifacts: Annotated[list[Path], typer.Argument(help="Built files: wheels, sdists, any file.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Envelope file (default: beside the artifacts)."),
    ] = None,
    key: KeyOpt = None,
    project: ProjectOpt = Path(),
) -> None:
    """Write signed SLSA Provenance v1 for built artifacts (a DSSE envelope).

    Records each artifact's SHA-256, the git commit and whether the tree was dirty, the
    lock files' digests and the builder. With SOURCE_DATE_EPOCH set, the same build gives
    a byte-identical document.
    """
    from assay.services.provenance import write_provenance
    from assay.settings import load_settings

    settings = load_settings(project, signing={"key": key} if key else None)
    result = write_provenance(settings, project, artifacts, output=output, ask=_ask)
    for name, digest in result.subjects:
        print(f"{name}\tsha256:{digest}")
    print(f"signed with key {result.key_id[:16]}: {result.path}")


def verify(
    document: Annotated[Path, typer.Argument(help="An Assay DSSE document (.intoto.json).")],
    key: Annotated[
        list[Path] | None,
        typer.Option("--key", help="Trusted public key (PEM); repeat for several."),
    ] = None,
    artifacts: Annotated[
        Path | None,
        typer.Option("--artifacts", help="Folder of the artifacts (default: the document's)."),
    ] = None,
    revocations: Annotated[
        Path | None,
        typer.Option("--revocations", help="A revocation list from assay certificate revocations."),
    ] = None,
    project: Annotated[
        Path | None,
        typer.Option("--project", "-C", help="Also check revocations in this project's store."),
    ] = None,
) -> None:
    """Verify provenance, a certificate or any Assay DSSE document, offline.

    Exit 0 when it verifies; 1 with the reason when it does not: unknown key, bad
    signature, digest mismatch, expired, revoked, malformed.
    """
    from assay.cli.context import command_context
    from assay.services.verify import verify_file

    ctx = command_context(project) if project else None
    outcome = verify_file(
        document, key or [], artifacts=artifacts, revocations=revocations, ctx=ctx
    )
    if outcome.failure is not None:
        print(f"verification failed: {outcome.failure}", file=sys.stderr)
        raise typer.Exit(1)
    verified = outcome.verified
    assert verified is not None
    print(f"verified {verified.kind} signed by key {verified.key_id[:16]}")
    for line in verified.details:
        print(f"  {line}")
