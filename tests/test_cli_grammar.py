"""One grammar for every command: ``-C/--project``, ``--store`` where the store is used,
``-f/--format`` with ``json`` among the formats, ``-o/--output`` written atomically and an
example in the help; plain output (no box drawing, 80 columns) when standard output is
not a terminal; and the spellings of the release before, still working with a note.

The commands run in this process (typer's CliRunner, whose standard output is not a
terminal) against one store made by one real ``assay certify`` of the example project.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner, Result

from assay.cli.main import app
from conftest import EXAMPLE

NO_STORE = {
    # Commands that never open the store, so offer no --store; each reads only files.
    "assay sbom": "reads lock files, manifests or an installed environment",
    "assay quality": "analyses the source tree (its cache is a file)",
    "assay check secrets": "reads the tracked files and git history",
    "assay check docs": "reads the README, the docs and the sources",
    "assay check monitoring": "reads the sources and the rule files",
    "assay check slo": "reads load-test result files",
    "assay keys generate": "writes to the key folder",
    "assay keys list": "reads the key folder",
    "assay keys export-public": "reads the key folder",
    "assay provenance": "signs files with a key of the key folder",
}
SERVERS = {
    # No -f/--format and no -o/--output: they serve until stopped and print no document.
    "assay serve": "the team server",
    "assay mcp": "the MCP server on standard input and output",
    "assay vulndb serve": "the OSV-compatible API",
}
BOX_DRAWING = set("─│┌┐└┘├┤┬┴┼━┃╭╮╯╰═║╔╗╚╝")
DEPRECATED_PATH = "note: the positional PATH is deprecated; use -C PATH"
DEPRECATED_JSON = "note: --json is deprecated; use -f json"


def _commands() -> dict[str, Any]:
    """Every command that runs, by its full name: the leaves of the tree, and groups
    that run on their own (``assay runs``)."""
    found: dict[str, Any] = {}

    def walk(command: Any, path: str) -> None:
        subcommands = getattr(command, "commands", None) or {}
        if not subcommands or getattr(command, "invoke_without_command", False):
            found[path] = command
        for name, sub in sorted(subcommands.items()):
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "assay")
    return found


COMMANDS = _commands()


def _option(command: Any, name: str) -> Any:
    return next((p for p in command.params if name in getattr(p, "opts", ())), None)


def test_the_tree_holds_every_command_and_the_exceptions_name_real_ones() -> None:
    assert len(COMMANDS) >= 50
    assert set(NO_STORE) <= set(COMMANDS) and set(SERVERS) <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_follows_the_grammar(name: str) -> None:
    command = COMMANDS[name]
    project = _option(command, "--project")
    assert project is not None and "-C" in project.opts, f"{name}: no -C/--project"
    store = _option(command, "--store")
    if name in NO_STORE:
        assert store is None, f"{name} uses no store but offers --store"
    else:
        assert store is not None, f"{name}: no --store"
    fmt, output = _option(command, "--format"), _option(command, "--output")
    if name in SERVERS:
        assert fmt is None and output is None
    else:
        assert fmt is not None and "-f" in fmt.opts, f"{name}: no -f/--format"
        assert "json" in fmt.type.choices, f"{name}: no -f json"
        assert output is not None and "-o" in output.opts, f"{name}: no -o/--output"
    text = f"{command.help or ''}\n{command.epilog or ''}"
    assert re.search(r"^\s*Example:\n.*\bassay \w", text, flags=re.M), f"{name}: no example"


# --- the commands at work ------------------------------------------------------------------


@pytest.fixture(scope="module")
def certified(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Result]]:
    """A copy of the example project, certified once; and what certify printed."""
    project = tmp_path_factory.mktemp("grammar") / "shipping-quotes"
    shutil.copytree(
        EXAMPLE, project, ignore=shutil.ignore_patterns(".assay", ".venv", "__pycache__")
    )
    done = _assay("certify", "-C", project)
    assert done.exit_code == 1, done.output  # not ready: gates lack evidence
    yield project, done


def _assay(*args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    """``assay ARGS`` in this process: standard output is not a terminal, COLUMNS unset."""
    return CliRunner().invoke(
        app,
        [str(a) for a in args],
        env={"COLUMNS": None, "ASSAY_TOKEN": None, "ASSAY_PRINCIPAL": None, **(env or {})},
    )


def _evidence_id(project: Path) -> str:
    runs = json.loads(_assay("runs", "-C", project, "-f", "json").stdout)
    return str(runs[0]["evidence"][0]["id"])


# Commands and their exit codes on the certified example (not ready: gates exit 1).
READING = [
    (("runs",), 0),
    (("gates",), 1),
    (("principal", "list"), 0),
    (("token", "list"), 0),
    (("lockdown", "status"), 0),
    (("incident", "list"), 0),
    (("certificate", "list"), 0),
    (("audit", "verify"), 0),
    (("vulndb", "status"), 1),
    (("check", "docs"), 0),
    (("check", "monitoring"), 1),
    (("sixsigma",), 0),
]


def test_json_of_the_list_and_show_commands_parses(certified: tuple[Path, Result]) -> None:
    project, _ = certified
    commands = [*READING, (("evidence", "show", _evidence_id(project)), 0)]
    for args, code in commands:
        done = _assay(*args, "-C", project, "-f", "json")
        assert done.exit_code == code, (args, done.output)
        json.loads(done.stdout)  # raises on anything but one JSON document
        assert done.stderr == "", (args, done.stderr)
    assert json.loads(_assay("principal", "list", "-C", project, "-f", "json").stdout) == []
    runs = json.loads(_assay("runs", "-C", project, "-f", "json").stdout)
    fields = "baseline commit evidence finished_at id project started_at status verdict"
    assert [sorted(r) for r in runs] == [fields.split()]


def test_output_file_holds_what_standard_output_shows(
    certified: tuple[Path, Result], tmp_path: Path
) -> None:
    project, _ = certified
    for i, args in enumerate(
        [("runs", "-f", "json"), ("runs",), ("gates", "-f", "json"), ("gates",), ("check", "docs")]
    ):
        shown = _assay(*args, "-C", project)
        folder = tmp_path / str(i)
        target = folder / "out.txt"
        written = _assay(*args, "-C", project, "-o", target)
        assert written.exit_code == shown.exit_code, written.output
        assert written.stdout == "" and f"wrote {target}" in written.stderr
        assert target.read_bytes() == shown.stdout_bytes and shown.stdout_bytes
        assert [p.name for p in folder.iterdir()] == ["out.txt"]  # no temporary file left


def test_a_failing_command_writes_no_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    done = _assay("evidence", "show", "abcdef", "-C", tmp_path, "-f", "json", "-o", target)
    assert done.exit_code != 0 and not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_spellings_of_the_release_before_still_work_with_a_note(
    certified: tuple[Path, Result],
) -> None:
    project, _ = certified
    now = _assay("gates", "-C", project, "-f", "json")
    before = _assay("gates", project, "--json")
    assert before.exit_code == now.exit_code == 1
    assert before.stdout == now.stdout
    assert DEPRECATED_PATH in before.stderr and DEPRECATED_JSON in before.stderr
    listed = _assay("incident", "list", "-C", project, "--json")
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    assert DEPRECATED_JSON in listed.stderr
    table = _assay("quality", project, "-f", "table")
    assert table.exit_code == 0 and "Power-of-Ten" in table.stdout
    assert "note: -f table is deprecated; use -f text" in table.stderr
    raw = _assay("evidence", "show", _evidence_id(project), "-C", project, "--raw")
    assert raw.exit_code == 0 and json.loads(raw.stdout)
    assert "note: --raw is deprecated; use -f raw" in raw.stderr
    twice = _assay("gates", project, "-C", project)
    assert twice.exit_code != 0  # the project given twice is refused, not guessed
    unknown = _assay("runs", "-C", project, "-f", "yaml")
    assert unknown.exit_code == 2 and "'yaml' is not one of text, json" in unknown.stderr


def test_text_output_is_plain_and_fits_80_columns(
    certified: tuple[Path, Result], tmp_path: Path
) -> None:
    project, certify = certified
    outputs = {"certify": certify.stdout}
    for args, code in READING:
        done = _assay(*args, "-C", project, "-f", "text")
        assert done.exit_code == code, (args, done.output)
        outputs[" ".join(args)] = done.stdout
    shown = _assay("evidence", "show", _evidence_id(project), "-C", project).stdout
    outputs["evidence show"] = shown.partition("\nContent")[0]  # the content is the document
    assert "Verdict: NOT READY" in certify.stdout and "PROD-003" in outputs["gates"]
    for name, text in outputs.items():
        assert text.strip(), name
        assert not BOX_DRAWING & set(text), f"{name} draws boxes"
        assert "\x1b[" not in text, f"{name} is coloured"
        for line in text.splitlines():
            # Over 80 columns only for one word too long to break (a path, an id).
            assert len(line) <= 80 or " " not in line.strip(), f"{name}: {line!r}"
