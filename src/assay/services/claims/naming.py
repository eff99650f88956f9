"""The files and folders a report's words name: paths, file names, words that spell a
file's name, and the files the report itself names."""

from __future__ import annotations

import re
from pathlib import Path
from typing import cast

from assay.collectors._files import relative_path
from assay.core.claims import ClaimKind, Measured, Unmeasured
from assay.core.testcount import is_test_file
from assay.services.claims.measurements import Measurements
from assay.services.claims.tree import CODE_SUFFIXES

_CODE_NAME = re.compile(
    r"(?<![\w./-])[\w./-]{0,200}[\w-]\.(?:py|js|jsx|ts|tsx|vue|svelte|go|rs|java|rb|md)\b"
)
"""A file name in a report's text. It starts only where a name can start and is bounded:
unbounded, a run of 20,000 letters cost time quadratic in its length."""


def _shown(files: list[Path], m: Measurements) -> str:
    shown = ", ".join(relative_path(f, m.project) for f in files[:4])
    return shown + (f" and {len(files) - 4} more" if len(files) > 4 else "")


def _named_files(m: Measurements, kind: str) -> list[Path]:
    """Files of a kind (``test``, ``doc`` or ``code``) that the report names: in its text,
    or as the subject of a test count."""
    report = m.report
    if report is None:
        return []

    def find() -> list[Path]:
        assert report is not None
        m.naming = True
        try:
            return resolve_all()
        finally:
            m.naming = False

    def resolve_all() -> list[Path]:
        assert report is not None
        names = [n.strip("./") for s in report.segments for n in _CODE_NAME.findall(s.text)]
        names += [
            c.subject
            for c in m.report_claims
            if c.kind is ClaimKind.TEST_COUNT and c.subject and not c.subject.startswith("class ")
        ]
        found: dict[Path, None] = {}
        for name in names:
            target = _resolve(name, m, tests=kind == "test")
            if isinstance(target, Path) and target.is_file():
                found[target] = None
        return list(found)

    named = cast("list[Path]", m.once(f"named:{report.path}:{kind}", find))
    if kind == "test":
        return [p for p in named if is_test_file(relative_path(p, m.project))]
    if kind == "doc":
        return [p for p in named if p.suffix == ".md"]
    return [p for p in named if p.suffix != ".md"]


def _inside(path: Path, project: Path) -> bool:
    """Whether a path, symbolic links followed, stays inside the project: a report names
    files of its own project and nothing else on the machine."""
    return path.resolve().is_relative_to(project.resolve())


_GENERIC_TOKENS = {"design", "spec", "test", "unit", "integration", "e2e", "component", "ui"}
_JOINERS = {"and", "the", "of", "for", "with", "a"}


def _spells(tokens: set[str], words: set[str]) -> bool:
    """Whether a test file's name spells the words: "Security & Edge Cases" is
    test_security_and_edge_cases.py, "Authentication" is auth_integration_test.go (a
    name's short form, four letters or more)."""
    named = tokens - _JOINERS - _GENERIC_TOKENS
    wanted = words - _JOINERS
    if not named or not wanted:
        return False
    if named == wanted:
        return True
    return len(wanted) == 1 and all(
        len(t) >= 4 and any(w.startswith(t) for w in wanted) for t in named
    )


def _stem(path: Path) -> str:
    """A file's name as words name it: ``test_data_collection.py`` -> ``data_collection``,
    ``Button.test.tsx`` -> ``button``."""
    stem = path.name.split(".")[0].lower()
    return stem.removeprefix("test_").removesuffix("_test").removesuffix("_tests")


def _resolve(subject: str, m: Measurements, *, tests: bool = False) -> Path | Unmeasured | Measured:
    """The file or folder a claim is about: a path (also one written under the project's
    own folder name, as tree diagrams do, or relative to the report's own folder), a file
    name, or words naming one; with ``tests``, words name a test file or folder. A path
    that names no file in the tree measures 0: the claimed file does not exist."""
    project = m.project
    if ".." in Path(subject).parts:
        return Unmeasured(f"a file inside the project: {subject!r} climbs out of the folder")
    if m.near is not None and m.near != project and ("/" in subject or "." in subject):
        beside = m.near / subject.strip("/")
        if beside.exists() and _inside(beside, project):
            return beside
    parts = [p for p in subject.strip("/").split("/") if p not in ("", ".")]
    for skip in range(len(parts)):
        direct = project.joinpath(*parts[skip:])
        if (
            ("/" in subject or skip)
            and direct.exists()
            and parts[skip:]
            and _inside(direct, project)
        ):
            return direct
    candidates: list[Path] = []
    if "." in Path(subject).name:
        candidates = [p for p in m.files(project) if p.name == Path(subject).name]
        tail = "/".join(parts)
        if len(candidates) > 1 and "/" in subject:
            candidates = [c for c in candidates if c.as_posix().endswith(tail)] or candidates
    else:
        names = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", subject)]
        words = {w.rstrip("s") for w in names}
        words -= {"the", "module", "file", "component", "service", "package", "code"}
        joined = {"_".join(names), "".join(names), "-".join(names)}
        files = [
            p
            for p in m.files(project, CODE_SUFFIXES)
            if not tests or is_test_file(relative_path(p, project))
        ]
        folders = _folders(m)
        if tests:  # a folder of tests holds test files
            held = {p.parent for p in files}
            folders = [f for f in folders if any(h.is_relative_to(f) for h in held)]
        for path in [*files, *folders]:
            stem = _stem(path) if path.is_file() else path.name.lower()
            tokens = {t.rstrip("s") for t in re.split(r"[-_.]", stem)} if tests else set()
            # button-design.test.tsx is the tests of Button; analysis_and_plots is not
            # only of analysis.
            alike = bool(tokens & words) and tokens - words <= _GENERIC_TOKENS
            same = stem in joined or stem.rstrip("s") in words or (len(words) == 1 and alike)
            if same or (tests and _spells(tokens, words)):
                candidates.append(path)
    candidates = [
        c
        for c in candidates
        if _inside(c, project) and not (c.is_file() and c.parent in candidates)
    ]
    if len(candidates) > 1 and m.near is not None:
        near = [c for c in candidates if c.is_relative_to(m.near)]
        candidates = near or candidates
    if len(candidates) > 1 and m.report is not None and not m.naming:
        # Of several, the one holding a file the report itself names.
        listed = _named_files(m, "test" if tests else "code")
        holding = [c for c in candidates if any(n == c or n.is_relative_to(c) for n in listed)]
        candidates = holding or candidates
    if not candidates and "/" not in subject and "." not in subject:
        candidates = _named_alike(subject, m, tests=tests)
    if len(candidates) == 1:
        return candidates[0]
    needs = f"a file or module named by {subject!r}"
    if len(candidates) > 1:
        shown = ", ".join(relative_path(c, project) for c in candidates[:4])
        return Unmeasured(f"{needs}: it could be any of {shown}; name the file")
    if _NAMED_FILE.search(subject) and "*" not in subject and " " not in subject.strip():
        return Measured(0, f"no file {subject} in the tree")
    return Unmeasured(f"{needs}; none found in the tree")


_NAMED_FILE = re.compile(r"\.(?:py|js|jsx|ts|tsx|go|rs|java|rb|md|css|json|ya?ml|toml|sh)$")
"""A name the report gives as a file (``api/routes.py``), not words with a slash (``S3/EC2``)."""
_PATH_LIKE = re.compile(r"/|\.(?:py|js|jsx|ts|tsx|go|rs|java|rb|md|css|json|ya?ml|toml|sh)$")


def _named_alike(subject: str, m: Measurements, *, tests: bool) -> list[Path]:
    """Files the report itself names whose name and the words share their meaning ("Health
    Checks" is health_test.go, "HTTP Server" http_proxy_server_test.go): a report's labels
    are of the files it lists."""
    if m.naming:  # resolving the report's own names: no loop
        return []
    words = {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z0-9]+", subject)} - _JOINERS
    found = []
    for path in _named_files(m, "test" if tests else "code"):
        tokens = {t.rstrip("s") for t in re.split(r"[-_.]", _stem(path))} - _GENERIC_TOKENS
        tokens -= {"go", "py", "ts", "tsx", "js", "jsx"}
        if tokens and words and (tokens <= words or words <= tokens):
            found.append(path)
    return found


def _folders(m: Measurements) -> list[Path]:
    return cast(
        "list[Path]",
        m.once(
            "folders",
            lambda: sorted({p.parent for p in m.files(m.project) if p.parent != m.project}),
        ),
    )


def _bare(name: str) -> str:
    """A name without case or separators: PresenceBadge, presence-badge, presence_badge."""
    return re.sub(r"[-_]", "", name).lower()
