"""CLI: the tamper-evident audit log."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assay.cli.emit import json_text, plain_data, record, say
from assay.cli.options import (
    OutputOpt,
    ProjectOpt,
    StoreOpt,
    example,
    format_option,
    output_to,
)

if TYPE_CHECKING:
    from assay.services.context import Context

audit_app = typer.Typer(
    help="The audit log: verify it, prove an entry is in it, export it.", no_args_is_help=True
)


def _context(project: Path, store: str | None) -> Context:
    from assay.cli.context import command_context

    return command_context(project, store)


def _actor(project: Path) -> str:
    from assay.collectors.git import current_user

    return current_user(project)


@audit_app.command("verify", epilog=example("assay audit verify -C . --checkpoint checkpoint.json"))
def audit_verify(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            metavar="FILE",
            help="A checkpoint written by `assay audit checkpoint`: fail if the log no "
            "longer contains it (the store was rolled back).",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """Recompute every entry's leaf hash and every signed tree head, and check the runs
    and evidence in the store against the entries that recorded them.

    Exit 0 when the log is intact; 1 naming the first entry that was edited, deleted,
    moved or inserted, every run or evidence row edited, deleted or inserted, and a store
    rolled back to before ``--checkpoint``.
    """
    from assay.services.audit import verify_log

    report = verify_log(_context(project, store), _actor(project), checkpoint)
    if not report.ok:
        if report.first_bad is not None:
            print(f"audit log damaged: first bad entry {report.first_bad}", file=sys.stderr)
        else:
            print("audit log damaged: the store does not match its audit log", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text({**plain_data(report), "ok": report.ok}))
        elif report.ok:
            say(f"audit log intact: {report.entries} entries, {report.checkpoints} checkpoints")
            say(f"root {report.root}")
            say(f"verifier key {report.verifier_key}")
            if checkpoint is not None:
                say(f"contains the checkpoint in {checkpoint}")
        if not report.ok:
            raise typer.Exit(1)


@audit_app.command("proof", epilog=example("assay audit proof 42 -C . -o proof.json"))
def audit_proof(
    seq: Annotated[int, typer.Argument(help="Entry number.")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("json", "text")] = "json",
    output: OutputOpt = None,
) -> None:
    """Print an inclusion proof (RFC 6962) of one entry in the newest signed checkpoint;
    it verifies offline."""
    from assay.services.audit import proof

    document = proof(_context(project, store), seq, _actor(project))
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json.dumps(document, indent=2) + "\n")
            return
        _print_fields(f"Entry {seq} in the tree of size {document['tree_size']}", document)


def _print_fields(head: str, document: dict[str, Any]) -> None:
    """A JSON object's scalar fields for people; lists one item a line."""
    details: list[tuple[str, str]] = []
    for name, value in sorted(document.items()):
        if isinstance(value, list):
            details.extend((name if i == 0 else "", str(item)) for i, item in enumerate(value))
        elif isinstance(value, str) and "\n" in value:
            lines = value.splitlines()
            details.extend((name if i == 0 else "", line) for i, line in enumerate(lines))
        else:
            details.append((name, str(value)))
    record(head, details)


@audit_app.command("checkpoint", epilog=example("assay audit checkpoint -C . -o checkpoint.json"))
def audit_checkpoint(
    output: OutputOpt = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("json", "text")] = "json",
) -> None:
    """The newest signed checkpoint (size, root hash, signed note, verifier key) as JSON.

    Keep it outside the store; `assay audit verify --checkpoint FILE` later fails if the
    store was rolled back to before it.
    """
    from assay.services.audit import export_checkpoint

    document = export_checkpoint(_context(project, store), _actor(project))
    with output_to(output, announce=False):
        if output_format == "json":
            sys.stdout.write(json_text(document))
        else:
            _print_fields(f"Checkpoint at size {document['size']}", document)
    if output is not None:
        print(f"checkpoint at size {document['size']} written to {output}", file=sys.stderr)


@audit_app.command("export", epilog=example("assay audit export -C . -o audit.jsonl"))
def audit_export(
    output_format: Annotated[str, format_option("jsonl", "json")] = "jsonl",
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output: OutputOpt = None,
) -> None:
    """Every entry as a JSON line, then the newest signed checkpoint (-f json: one
    document, {"entries": [...], "checkpoint": ...})."""
    from assay.services.audit import export_jsonl

    lines = export_jsonl(_context(project, store), _actor(project))
    with output_to(output):
        if output_format == "jsonl":
            for line in lines:
                sys.stdout.write(line + "\n")
            return
        entries = [json.loads(line) for line in lines]
        last = entries[-1] if entries and set(entries[-1]) == {"checkpoint"} else None
        body = {
            "entries": entries[:-1] if last else entries,
            "checkpoint": last["checkpoint"] if last else None,
        }
        sys.stdout.write(json_text(body))
