"""Claims about files of the tree: lines, counts of files, modules and components."""

from __future__ import annotations

import re
from pathlib import Path, PurePath

from assay.collectors._files import python_sources, relative_path, walk_files
from assay.core.claims import Claim, Measured, Measurement, Unmeasured
from assay.core.testcount import is_collected_test_file, is_test_file
from assay.services.claims.measurements import Measurements
from assay.services.claims.naming import (
    _bare,
    _folders,
    _inside,
    _named_files,
    _resolve,
    _shown,
    _stem,
)
from assay.services.claims.sections import _in_section, _section_files, _section_test_files
from assay.services.claims.tree import (
    CODE_SUFFIXES,
    NAMED_SCOPE_RATIO,
    _about_a_part,
    _lines_of,
    scoped_elsewhere,
)

_WHOLE = re.compile(
    r"(?i)^(?:total|overall|all|project|whole project|codebase|python|python code|code|source|"
    r"source code|total code|total python code|total source code|production|production code|"
    r"implementation|test|tests|test code|total test code)?$"
)


def _lines(claim: Claim, m: Measurements) -> Measurement:
    project, subject = m.project, claim.subject
    words = " ".join(w for w in re.findall(r"[A-Za-z]+", subject) if w.lower() != "lines")
    row = re.match(r"^[\s│├└─|*-]*([A-Za-z][\w &/-]{1,40}?)\s*:", claim.text)
    if row and not _WHOLE.match(row.group(1)) and ("/" not in subject and "." not in subject):
        # "├── Health Checks: 18 tests (470 lines)": the lines of what the row names
        target = _resolve(row.group(1), m, tests="test" in claim.text.lower())
        if isinstance(target, Path):
            files = [target] if target.is_file() else list(m.files(target, CODE_SUFFIXES))
            total = _lines_of(files)
            return Measured(total, f"lines of {relative_path(target, project)}")
    if "/" not in subject and "." not in subject and _WHOLE.match(words):
        return _project_lines_judged(claim, words.lower(), m)
    if "*" in subject:
        matched = _matching(subject.strip("/"), m)
        if isinstance(matched, Unmeasured):
            return matched
        files, where = matched
        if not files:
            return Measured(0, f"no file matching {subject} in the tree")
        lines = _lines_of(files)
        return Measured(lines, f"lines of the {len(files)} files matching {subject} in {where}")
    target = _resolve(subject, m)
    if not isinstance(target, Path):
        return _in_section(claim, m, target)
    files = [target] if target.is_file() else list(m.files(target, CODE_SUFFIXES))
    total = _lines_of(files)
    return Measured(total, f"lines of {relative_path(target, project)}")


def _project_lines_judged(claim: Claim, words: str, m: Measurements) -> Measurement:
    whole = _project_lines(words, m.project)
    if isinstance(whole, Measured):
        whole = scoped_elsewhere(claim, whole.value, "the lines of the tree") or whole
    if not _about_a_part(claim, whole):
        return whole
    # "1,850+ lines of test code" in a report that names its five test suites: their lines.
    text = claim.text.lower()
    kind = "test" if "test" in text else "doc" if "doc" in text else "code"
    files = _named_files(m, kind)
    if len(files) < 2:
        return whole
    lines = _lines_of(files)
    where = f"lines of the {len(files)} files the report names ({_shown(files, m)})"
    return scoped_elsewhere(claim, lines, where, NAMED_SCOPE_RATIO) or Measured(lines, where)


def _project_lines(words: str, project: Path) -> Measurement:
    """Lines of the project's code: all of it, its tests, or the code beside the tests."""
    python = list(walk_files(project, (".py",)))
    files = python or list(walk_files(project, CODE_SUFFIXES))
    language = "Python" if python else "source"
    if "test" in words:
        files = [p for p in files if is_test_file(relative_path(p, project))]
        what = f"{language} test files"
    elif "production" in words or "implementation" in words:
        files = [p for p in files if not is_test_file(relative_path(p, project))]
        what = f"{language} files other than tests"
    else:
        what = f"{language} files"
    total = _lines_of(files)
    return Measured(total, f"lines of the {len(files)} {what} in the tree")


def _listed_items(claim: Claim, m: Measurements) -> Measurement:
    """A count beside the names of what it counts: the list must have as many names, and
    each name must be a file of the tree (``Button`` -> ``Button.tsx``, ``button.py``)."""
    names = claim.items
    if claim.value is not None and len(names) != claim.value and claim.comparator == "=":
        return Measured(len(names), f"the report's own list names {len(names)}")
    stems = m.once(
        "stems",
        lambda: {
            _bare(_stem(p))
            for p in m.files(m.project, CODE_SUFFIXES)
            if not is_test_file(relative_path(p, m.project))
        },
    )
    found = [n for n in names if _bare(n.split(".")[0]) in stems]
    missing = [n for n in names if n not in found]
    source = f"{len(found)} of the {len(names)} named are files of the tree"
    if missing:
        source += f" (not found: {', '.join(missing[:5])})"
    return Measured(len(found), source)


def _files(claim: Claim, m: Measurements) -> Measurement:
    kind = claim.qualifier
    if claim.subject and not claim.subject.startswith("class "):
        return _files_in(claim, m)
    if kind == "changed":
        return Unmeasured("the change history (new, modified or updated files are not in a tree)")
    if kind == "source":
        return Measured(len(python_sources(m.project)), "Python source files in the tree")
    if kind == "python":
        count = sum(1 for _ in m.files(m.project, (".py",)))
        return Measured(count, "Python files in the tree")
    if kind == "test":
        count = sum(1 for p in m.files(m.project) if is_test_file(relative_path(p, m.project)))
        whole = scoped_elsewhere(claim, count, "the test files of the tree") or Measured(
            count, "test files in the tree"
        )
        if not _about_a_part(claim, whole):
            return whole
        beside = _section_test_files(claim, m)
        if beside:  # "Tests: 2 test files" in a section about one folder: its test files
            return Measured(
                len(beside), f"test files in {relative_path(beside[0].parent, m.project)}"
            )
        named = _named_files(m, "test")
        if len(named) < 2:
            return whole
        # "6 test files" in a report that names its test files counts those, as it does
        # for a total of tests.
        return Measured(len(named), f"test files the report names ({_shown(named, m)})")
    if kind == "markdown":
        count = sum(1 for _ in m.files(m.project, (".md", ".markdown")))
        return Measured(count, "Markdown files in the tree")
    kind_of_tests = re.search(r"(?i)\b([a-z][\w-]*)\s+tests?\s*:", claim.text)
    if kind_of_tests:  # "Unit tests: 15+ files": the test files of tests/unit/
        found = _test_folder_files(m, kind_of_tests.group(1).lower())
        if found is not None:
            return found
    return Unmeasured("a kind of file to count: say Python, test, Markdown or source files")


def _test_folder_files(m: Measurements, name: str) -> Measured | None:
    """Test files of the one folder of tests named ``name`` (``tests/unit``), if one."""
    folders = [
        f
        for f in _folders(m)
        if f.name.lower() == name
        and any(is_test_file(relative_path(p, m.project)) for p in m.files(f))
    ]
    if len(folders) != 1:
        return None
    files = [p for p in m.files(folders[0]) if is_test_file(relative_path(p, m.project))]
    return Measured(len(files), f"test files in {relative_path(folders[0], m.project)}")


def _matching(pattern: str, m: Measurements) -> tuple[list[Path], str] | Unmeasured:
    """Files that match a pattern the report names (``docs/UI-SPEC-*.md``), beside the
    report, from the project's root, or, for a tree diagram drawn from a folder below the
    root (``templates/*.css``), in the one folder of the tree that has them."""
    if ".." in Path(pattern).parts:
        return Unmeasured(f"files inside the project: {pattern!r} climbs out of the folder")
    for base in (m.near or m.project, m.project):
        found = [p for p in sorted(base.glob(pattern)) if p.is_file() and _inside(p, m.project)]
        if found:
            return found, relative_path(base, m.project) if base != m.project else "the tree"
    if "/" in pattern:
        below = [
            p for p in m.files(m.project) if PurePath(relative_path(p, m.project)).match(pattern)
        ]
        folders = sorted({relative_path(p.parent, m.project) for p in below})
        if len(folders) == 1:
            return below, folders[0]
        if folders:
            return Unmeasured(
                f"the folder of {pattern}: it could be any of {', '.join(folders[:4])}"
            )
    return [], "the tree"


def _files_in(claim: Claim, m: Measurements) -> Measurement:
    """Files in the folder the claim names (``Trust documentation (4 files)``), or that
    match the pattern it names (``docs/UI-SPEC-*.md``)."""
    if "*" in claim.subject:
        pattern = claim.subject.strip("/")
        matched = _matching(pattern, m)
        if isinstance(matched, Unmeasured):
            return matched
        files, where = matched
        if not files:
            return Measured(0, f"no file matching {pattern} in the tree")
        return Measured(len(files), f"files matching {pattern} in {where}")
    target = _resolve(claim.subject, m)
    if not isinstance(target, Path):
        return _in_section(claim, m, target)
    if target.is_file():
        return Unmeasured(f"a folder named by {claim.subject!r}: it names a file")
    files = list(m.files(target))
    what = "files"
    if claim.qualifier == "test":
        files = [p for p in files if is_test_file(relative_path(p, m.project))]
        what = "test files"
    return Measured(len(files), f"{what} in {relative_path(target, m.project)}")


_COMPONENT_SUFFIXES = (".tsx", ".jsx", ".vue", ".svelte")


def _components(claim: Claim, m: Measurements) -> Measurement:
    """UI components: the component files of the folder the claim names, else those the
    report names (its section's, then its own) that exist."""

    def component(path: Path) -> bool:
        rel = relative_path(path, m.project)
        story = ".stories." in path.name or ".story." in path.name
        return path.suffix in _COMPONENT_SUFFIXES and not is_test_file(rel) and not story

    if claim.subject:
        target = _resolve(claim.subject, m)
        if isinstance(target, Path) and target.is_dir():
            found = [p for p in m.files(target) if component(p) and p.stem != "index"]
            where = relative_path(target, m.project)
            return Measured(len(found), f"component files in {where}")
    named = [p for p in _section_files(claim, m) if component(p)]
    named = named or [p for p in _named_files(m, "code") if component(p)]
    if not named:
        return Unmeasured("a definition of what is counted: name the components' folder")
    return Measured(len(named), f"component files the report names ({_shown(named, m)})")


def _modules(claim: Claim, m: Measurements) -> Measurement:
    noun = claim.text.lower()
    if re.search(r"\bcomponents\b", noun) and not re.search(r"\b(modules|packages)\b", noun):
        return _components(claim, m)
    if not re.search(r"\b(modules|packages)\b", noun):
        return Unmeasured("a definition of what is counted: name the folder and count files")
    target: Path | Measurement = m.project
    if claim.subject:
        target = _resolve(claim.subject, m)
    if not isinstance(target, Path):
        return target
    sources = [
        p
        for p in m.files(target, (".py",))
        if not is_collected_test_file(p.name) and "tests" not in p.relative_to(target).parts
    ]
    name = relative_path(target, m.project) if target != m.project else "the tree"
    if "packages" in noun and "modules" not in noun:
        packages = {p.parent for p in sources if p.name == "__init__.py"}
        return Measured(len(packages), f"packages (folders with __init__.py) in {name}")
    without_init = [p for p in sources if p.name != "__init__.py"]
    if claim.value == len(sources) and len(sources) != len(without_init):
        return Measured(len(sources), f"Python modules in {name}, __init__.py included")
    return Measured(len(without_init), f"Python modules in {name}, __init__.py left out")
