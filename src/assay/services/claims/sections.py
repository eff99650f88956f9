"""The sections of a report: the files listed under a heading, the one folder they are
in, and counts measured on them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import cast

from assay.collectors._files import relative_path
from assay.core.claims import Claim, ClaimKind, Measured, Measurement, Segment, Unmeasured
from assay.core.testcount import is_test_file
from assay.services.claims.measurements import Measurements
from assay.services.claims.naming import _CODE_NAME, _resolve, _shown
from assay.services.claims.tree import _count_files, _lines_of


def _section_files(claim: Claim, m: Measurements) -> list[Path]:
    """Files named in the section a heading's count introduces ("### Test Code (4 files,
    ~600+ LOC)" and the four files listed under it), when the claim is on a heading."""
    report = m.report
    if report is None:
        return []
    segments = report.segments
    at = next(
        (i for i, s in enumerate(segments) if s.line == claim.line and s.kind == "heading"), None
    )
    if at is None:
        return []
    rest = segments[at + 1 :]
    key = f"section:{report.path}:{claim.line}"
    return cast("list[Path]", m.once(key, lambda: _listed_under(rest, m)))


def _listed_under(segments: Sequence[Segment], m: Measurements) -> list[Path]:
    """Files of the tree named in a section's segments (up to the next heading)."""
    names: list[str] = []
    for segment in segments:
        if segment.kind == "heading":
            break
        names += [n.strip("./") for n in _CODE_NAME.findall(segment.text)]
    found: dict[Path, None] = {}
    ambiguous = []
    for name in names:
        target = _resolve(name, m)
        if isinstance(target, Path) and target.is_file():
            found[target] = None
        elif "/" not in name:
            ambiguous.append(name)
    # A bare name that several folders hold is the one beside the section's other files.
    folders = {p.parent for p in found}
    for name in ambiguous:
        beside = [f / name for f in folders if (f / name).is_file()]
        if len(beside) == 1:
            found[beside[0]] = None
    return list(found)


def _section_folder(claim: Claim, m: Measurements) -> Path | None:
    """The one folder that holds every file named in the section a claim is in ("####
    Template Components" listing the components of one folder), if there is one."""
    report = m.report
    if report is None:
        return None
    heading = max(
        (s.line for s in report.segments if s.kind == "heading" and s.line <= claim.line),
        default=None,
    )
    if heading is None:
        return None
    found = _section_files(replace(claim, line=heading), m)
    folders = {p.parent for p in found}
    return folders.pop() if len(folders) == 1 else None


_STYLESHEETS = (".css", ".scss", ".sass", ".less")
_KIND_WORDS = {
    "css": _STYLESHEETS,
    "stylesheet": _STYLESHEETS,
    "stylesheets": _STYLESHEETS,
    "styles": _STYLESHEETS,
    "scss": (".scss",),
}


def _kind_in_section(claim: Claim, m: Measurements) -> Measurement | None:
    """ "**CSS**: 1,200+ lines across 5 stylesheet files" in a section about one folder:
    the stylesheets of that folder."""
    if claim.kind not in (ClaimKind.FILE_COUNT, ClaimKind.LINE_COUNT):
        return None
    suffixes = _KIND_WORDS.get(claim.subject.lower().strip())
    folder = _section_folder(claim, m) if suffixes else None
    if folder is None or suffixes is None:
        return None
    files = [p for p in m.files(folder) if p.suffix in suffixes]
    where = f"{' '.join(suffixes)} files in {relative_path(folder, m.project)}"
    if claim.kind is ClaimKind.LINE_COUNT:
        return Measured(_lines_of(files), f"lines of the {where}")
    return Measured(len(files), where)


def _section_test_files(claim: Claim, m: Measurements) -> list[Path]:
    folder = _section_folder(claim, m)
    if folder is None:
        return []
    return [p for p in m.files(folder) if is_test_file(relative_path(p, m.project))]


def _in_section(claim: Claim, m: Measurements, unresolved: Measurement) -> Measurement:
    """A count on a heading whose subject names nothing in the tree, measured on the files
    listed in its section; ``unresolved`` when the section lists none."""
    if claim.qualifier == "changed":  # "Modified files (3 files)": history, not the tree
        return Unmeasured("the change history (new, modified or updated files are not in a tree)")
    kind = _kind_in_section(claim, m)
    if kind is not None:
        return kind
    files = _section_files(claim, m)
    tests = [p for p in files if is_test_file(relative_path(p, m.project))]
    if tests and re.search(r"(?i)\btests?\b", claim.text):  # "### Test Files (3 files)"
        files = tests
    if not files:
        return unresolved
    where = f"the {len(files)} files listed under the heading ({_shown(files, m)})"
    if claim.kind is ClaimKind.LINE_COUNT:
        return Measured(_lines_of(files), f"lines of {where}")
    if claim.kind is ClaimKind.TEST_COUNT:
        return _count_files(claim, m, tests, where) if tests else unresolved
    return Measured(len(files), where)
