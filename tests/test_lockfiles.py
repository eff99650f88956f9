"""Lock files written by the real tools (tests/data/lockfiles/README.md says which)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assay.collectors.detect import collect_inventory
from assay.core.inventory import SourceKind
from assay.errors import InventoryError
from conftest import LOCKFILES

LOCKED = {
    "attrs": "24.2.0",
    "certifi": "2024.8.30",
    "charset-normalizer": "3.4.0",
    "idna": "3.10",
    "packaging": "24.1",
    "requests": "2.32.3",
    "six": "1.16.0",
    "urllib3": "2.2.3",
}
WITH_DEV = {**LOCKED, "iniconfig": "2.0.0"}
REQUESTS_DEPS = {"certifi", "charset-normalizer", "idna", "urllib3"}

CASES = [
    ("poetry/poetry.lock", SourceKind.POETRY_LOCK, WITH_DEV),
    ("uv/uv.lock", SourceKind.UV_LOCK, WITH_DEV),
    ("uv/pylock.toml", SourceKind.PYLOCK, WITH_DEV),
    ("uv/requirements.txt", SourceKind.REQUIREMENTS, WITH_DEV),
    ("pipenv/Pipfile.lock", SourceKind.PIPFILE_LOCK, LOCKED),
    ("pip-tools/requirements.txt", SourceKind.REQUIREMENTS, LOCKED),
    ("pip-lock/pylock.toml", SourceKind.PYLOCK, LOCKED),
]


@pytest.mark.parametrize(("relative", "kind", "expected"), CASES, ids=[c[0] for c in CASES])
def test_lockfile_lists_exactly_the_locked_components(
    relative: str, kind: SourceKind, expected: dict[str, str]
) -> None:
    inventory = collect_inventory(LOCKFILES / relative)
    assert {c.name: c.version for c in inventory.components} == expected
    assert kind in {s.kind for s in inventory.sources}
    assert all(c.pinned for c in inventory.components)
    assert all(len(s.sha256) == 64 for s in inventory.sources)


@pytest.mark.parametrize(("relative", "kind", "expected"), CASES, ids=[c[0] for c in CASES])
def test_lockfile_components_carry_the_artifact_hashes(
    relative: str, kind: SourceKind, expected: dict[str, str]
) -> None:
    inventory = collect_inventory(LOCKFILES / relative)
    attrs = inventory.named("attrs")[0]
    digests = {h.value for h in attrs.hashes if h.algorithm == "sha256"}
    # The wheel of attrs 24.2.0 as published on PyPI.
    assert "81921eb96de3191c8258c199618104dd27ac608d9366f5e35d011eae1867ede2" in digests


@pytest.mark.parametrize(
    "relative",
    ["poetry/poetry.lock", "uv/uv.lock", "pip-tools/requirements.txt", "uv/requirements.txt"],
)
def test_lockfiles_with_a_graph_give_the_edges_of_requests(relative: str) -> None:
    inventory = collect_inventory(LOCKFILES / relative)
    assert {e.target for e in inventory.edges if e.source == "requests"} == REQUESTS_DEPS


@pytest.mark.parametrize("relative", ["poetry/poetry.lock", "uv/uv.lock"])
def test_dev_group_members_are_marked_and_required_ones_are_not(relative: str) -> None:
    inventory = collect_inventory(LOCKFILES / relative)
    assert inventory.named("iniconfig")[0].groups == ("dev",)
    assert inventory.named("requests")[0].groups == ()
    assert inventory.root is not None and inventory.root.name == "lockdemo"


def test_uv_lock_root_project_is_not_a_component_and_its_edges_are_direct() -> None:
    inventory = collect_inventory(LOCKFILES / "uv" / "uv.lock")
    assert "lockdemo" not in {c.name for c in inventory.components}
    assert inventory.direct_names == set(WITH_DEV)


def test_pip_compile_annotations_separate_direct_from_transitive(tmp_path: Path) -> None:
    target = tmp_path / "requirements.txt"
    target.write_text(
        "requests==2.32.3 \\\n    --hash=sha256:AB12\n    # via -r requirements.in\n"
        "idna==3.10\n    # via\n    #   requests\n    #   requests\n",
        encoding="utf-8",
    )
    inventory = collect_inventory(target)
    assert "requests" in inventory.direct_names
    assert "idna" not in inventory.direct_names
    assert ("requests", "idna") in {(e.source, e.target) for e in inventory.edges}
    assert inventory.named("requests")[0].hashes[0].value == "ab12"


def test_plain_requirements_report_unpinned_lines_and_follow_includes(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("six==1.16.0\n", encoding="utf-8")
    target = tmp_path / "requirements.txt"
    target.write_text(
        "-r base.txt\nrequests>=2\nflask\nattrs==24.2.0 ; python_version >= '3.8'\n",
        encoding="utf-8",
    )
    inventory = collect_inventory(target)
    assert {c.name: c.version for c in inventory.components} == {
        "six": "1.16.0",
        "requests": None,
        "flask": None,
        "attrs": "24.2.0",
    }
    unpinned = {n.origin.line for n in inventory.notices if n.code == "unpinned" and n.origin}
    assert unpinned == {2, 3}
    assert len(inventory.sources) == 2  # the included file is an input too


def test_pyproject_declarations_report_unpinned_dependencies_without_guessing() -> None:
    inventory = collect_inventory(LOCKFILES / "pyproject-only" / "pyproject.toml")
    versions = {c.name: c.version for c in inventory.components}
    assert versions == {
        "requests": "2.32.3",
        "attrs": None,
        "packaging": None,
        "pytest": None,
        "coverage": "7.6.1",
    }
    unpinned = {n.message.split()[0] for n in inventory.notices if n.code == "unpinned"}
    assert unpinned == {"attrs", "packaging", "pytest"}
    assert inventory.named("pytest")[0].groups == ("dev",)
    assert inventory.named("coverage")[0].groups == ("test",)
    assert "setuptools" not in versions  # a build requirement is not a runtime dependency


def test_project_folder_prefers_the_most_exact_lock_and_says_what_it_skipped() -> None:
    inventory = collect_inventory(LOCKFILES / "uv")
    assert [s.kind for s in inventory.sources if s.kind is not SourceKind.PYPROJECT] == [
        SourceKind.PYLOCK
    ]
    skipped = {
        n.message.split()[2].rstrip(";") for n in inventory.notices if n.code == "source-not-used"
    }
    assert skipped == {"uv.lock", "requirements.txt"}
    assert inventory.root is not None and inventory.root.name == "lockdemo"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("uv.lock", "version = 1\n[[package]\nname = 'x'", "is not valid TOML"),
        ("poetry.lock", "[[package]]\nname = 'x'\n", "not a valid poetry.lock"),
        ("Pipfile.lock", "{not json", "is not valid JSON"),
        ("pylock.toml", "lock-version = '2.0'\n", "lock-version 2.0 is not 1.x"),
        ("requirements.txt", "requests==2.32.3\n!!! nonsense ===\n", "requirements.txt:2"),
        ("uv.lock", b"\xff\xfe\x00garbage", "is not UTF-8 text"),
    ],
)
def test_corrupt_lockfiles_raise_a_clear_inventory_error(
    tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    target = tmp_path / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    with pytest.raises(InventoryError) as caught:
        collect_inventory(target)
    assert message in caught.value.message
    assert caught.value.diagnostics()
