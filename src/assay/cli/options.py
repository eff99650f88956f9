"""The grammar every command shares, and the spellings of the release before it.

Every command takes ``-C/--project PATH``; those that use the store take ``--store URL``;
those that print take ``-f/--format`` (``json`` always among the formats) and
``-o/--output FILE``, written atomically. The spellings of the release before still work
for one release, each with a ``note:`` on standard error: the project as a positional
PATH, ``--json`` for ``-f json``, and ``-f table`` for ``-f text``.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from assay.cli.plain import write_atomically

try:  # Typer vendors click from 0.2x on; before, it runs on click itself
    from typer._click.types import ParamType
except ImportError:  # pragma: no cover
    from click import ParamType  # type: ignore[assignment]

__all__ = [
    "EnvironmentOpt",
    "FileArg",
    "JsonFlag",
    "OutputOpt",
    "PathArg",
    "ProjectOpt",
    "PythonOpt",
    "StoreOpt",
    "deprecated",
    "example",
    "format_option",
    "json_alias",
    "output_to",
    "project_from",
    "source_from",
]

ProjectOpt = Annotated[
    Path,
    typer.Option(
        "--project",
        "-C",
        metavar="PATH",
        help="The project folder (default: the current folder).",
        show_default=False,
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        metavar="URL",
        help="The store (default: ASSAY_STORE_URL, [store] url, else PROJECT/.assay).",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the output to FILE (atomically) instead of standard output.",
        show_default=False,
    ),
]
FileArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="[FILE]",
        help="A dependency file (lock file, requirements.txt, pyproject.toml) to read "
        "instead of the project's.",
        show_default=False,
    ),
]
PathArg = Annotated[
    Path | None,
    typer.Argument(
        hidden=True, metavar="PATH", help="Deprecated: use -C PATH.", show_default=False
    ),
]
"""The project as a positional argument: the spelling of the release before ``-C``."""
JsonFlag = Annotated[bool, typer.Option("--json", hidden=True, help="Deprecated: use -f json.")]
"""``--json``: the spelling of the release before ``-f json``."""
PythonOpt = Annotated[
    str | None,
    typer.Option(
        "--python",
        metavar="P",
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


def example(*lines: str) -> str:
    """A command's help epilog: "Example:" and invocations, kept as written."""
    return "\b\nExample:\n" + "\n".join(f"  {line}" for line in lines)


def deprecated(message: str) -> None:
    """A spelling of the release before: it works, and says what to write instead."""
    print(f"note: {message}", file=sys.stderr)


class FormatChoice(ParamType):
    """The formats of one command; ``aliases`` are older names, accepted with a note."""

    name = "format"

    def __init__(self, choices: tuple[str, ...], aliases: Mapping[str, str]) -> None:
        self.choices = choices
        self.aliases = dict(aliases)

    def get_metavar(self, param: Any, ctx: Any = None) -> str:
        return f"[{'|'.join(self.choices)}]"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if value in self.aliases:
            deprecated(f"-f {value} is deprecated; use -f {self.aliases[value]}")
            value = self.aliases[value]
        if value not in self.choices:
            self.fail(f"{value!r} is not one of {', '.join(self.choices)}", param, ctx)
        return value


def format_option(*choices: str, aliases: Mapping[str, str] | None = None) -> Any:
    """``-f/--format`` with these choices, the first of which is the default."""
    return typer.Option(
        "--format",
        "-f",
        click_type=FormatChoice(choices, aliases or {}),
        help=f"The output format: {', '.join(choices)} (default {choices[0]}).",
        show_default=False,
    )


def project_from(project: Path, path: Path | None) -> Path:
    """The project: ``-C PATH``, or the positional PATH of the release before."""
    if path is None:
        return project
    if project != Path():
        from assay.errors import UsageError

        raise UsageError(
            f"the project is given twice: {path} and -C {project}", hint="give only -C PATH"
        )
    deprecated("the positional PATH is deprecated; use -C PATH")
    return path


def source_from(project: Path, source: Path | None) -> tuple[Path, Path]:
    """(the project, what to read): a dependency FILE read in the project of ``-C`` (else
    the file's folder), or the project itself. A folder as FILE is the spelling of the
    release before for ``-C``."""
    if source is None:
        return project, project
    if source.is_dir():
        folder = project_from(project, source)
        return folder, folder
    return (project if project != Path() else source.parent), source


def json_alias(output_format: str, json_flag: bool) -> str:
    """``--json`` of the release before, as ``-f json``."""
    if not json_flag:
        return output_format
    deprecated("--json is deprecated; use -f json")
    return "json"


@contextlib.contextmanager
def output_to(path: Path | None, *, announce: bool = True) -> Iterator[None]:
    """What the block writes to standard output goes to ``path`` instead, written
    atomically when the block ends, also with an exit code (a verdict of "not ready" is
    still a document); nothing is written when the block fails with an error."""
    if path is None:
        yield
        return
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)

    def write() -> None:
        write_atomically(path, buffer.getvalue())
        if announce:
            print(f"wrote {path}", file=sys.stderr)

    try:
        with contextlib.redirect_stdout(stream):
            yield
    except typer.Exit:
        write()
        raise
    write()
