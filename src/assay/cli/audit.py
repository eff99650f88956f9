"""CLI: the tamper-evident audit log."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

audit_app = typer.Typer(
    help="The audit log: verify it, prove an entry is in it, export it.", no_args_is_help=True
)

ProjectOpt = Annotated[Path, typer.Option("--project", "-C", help="Project folder.")]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Store URL (default: sqlite in PROJECT/.assay).", show_default=False
    ),
]


def _context(project: Path, store: str | None):  # type: ignore[no-untyped-def]
    from assay.cli.context import command_context

    return command_context(project, store)


def _actor(project: Path) -> str:
    from assay.collectors.git import current_user

    return current_user(project)


@audit_app.command("verify")
def audit_verify(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="A checkpoint written by `assay audit checkpoint`: fail if the log no "
            "longer contains it (the store was rolled back).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Recompute every entry's leaf hash and every signed tree head, and check the runs
    and evidence in the store against the entries that recorded them.

    Exit 0 when the log is intact; 1 naming the first entry that was edited, deleted,
    moved or inserted, every run or evidence row edited, deleted or inserted, and a store
    rolled back to before ``--checkpoint``.
    """
    from assay.services.audit import verify_log

    report = verify_log(_context(project, store), _actor(project), checkpoint)
    if report.ok:
        print(f"audit log intact: {report.entries} entries, {report.checkpoints} checkpoints")
        print(f"root {report.root}")
        print(f"verifier key {report.verifier_key}")
        if checkpoint is not None:
            print(f"contains the checkpoint in {checkpoint}")
        return
    if report.first_bad is not None:
        print(f"audit log damaged: first bad entry {report.first_bad}", file=sys.stderr)
    else:
        print("audit log damaged: the store does not match its audit log", file=sys.stderr)
    for problem in report.problems:
        print(f"  {problem}", file=sys.stderr)
    raise typer.Exit(1)


@audit_app.command("proof")
def audit_proof(
    seq: Annotated[int, typer.Argument(help="Entry number.")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Print an inclusion proof (RFC 6962) of one entry in the newest signed checkpoint."""
    from assay.services.audit import proof

    document = proof(_context(project, store), seq, _actor(project))
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write it here (default: stdout).", show_default=False),
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """The newest signed checkpoint (size, root hash, signed note, verifier key) as JSON.

    Keep it outside the store; `assay audit verify --checkpoint FILE` later fails if the
    store was rolled back to before it.
    """
    from assay.services.audit import export_checkpoint

    document = export_checkpoint(_context(project, store), _actor(project))
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        from assay.errors import UsageError

        raise UsageError(f"cannot write {output}: {exc.strerror}") from exc
    print(f"checkpoint at size {document['size']} written to {output}")


@audit_app.command("export")
def audit_export(
    output_format: Annotated[str, typer.Option("--format", help="Only jsonl.")] = "jsonl",
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Every entry as a JSON line, then the newest signed checkpoint."""
    from assay.errors import UsageError
    from assay.services.audit import export_jsonl

    if output_format != "jsonl":
        raise UsageError(f"unknown format {output_format!r}", hint="use --format jsonl")
    for line in export_jsonl(_context(project, store), _actor(project)):
        sys.stdout.write(line + "\n")
