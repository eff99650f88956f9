"""Edges of an environment: markers evaluated for the target, extras followed to a fixed point."""

from __future__ import annotations

from assay.core.environment import DistributionMetadata, environment_inventory
from assay.core.inventory import RootProject, SourceKind, SourceRecord

LINUX_311 = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.7",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_release": "6.1.0",
    "platform_system": "Linux",
    "platform_version": "#1 SMP",
    "python_full_version": "3.11.7",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "sys_platform": "linux",
}
WINDOWS_38 = {
    **LINUX_311,
    "os_name": "nt",
    "platform_system": "Windows",
    "sys_platform": "win32",
    "python_version": "3.8",
    "python_full_version": "3.8.10",
}
SOURCE = SourceRecord(SourceKind.ENVIRONMENT, "/env", "0" * 64)


def dist(name: str, version: str = "1.0", *requires: str) -> DistributionMetadata:
    return DistributionMetadata(name, version, f"/env/{name}.dist-info", tuple(requires))


DISTS = [
    dist("App", "1.0", "Web[Async]>=2", "colorama; sys_platform == 'win32'"),
    dist("web", "2.1", "core", "anyio; extra == 'async'", "trio; extra == 'trio'"),
    dist("anyio", "4.0", "sniffio", "exceptiongroup; python_version < '3.11'"),
    dist("sniffio", "1.3"),
    dist("core", "0.5"),
    dist("colorama", "0.4"),
    dist("exceptiongroup", "1.2"),
    dist("trio", "0.2"),
]


def _edges(env: dict[str, str]) -> set[tuple[str, str]]:
    inventory = environment_inventory(DISTS, env, SOURCE)
    return {(e.source, e.target) for e in inventory.edges}


def test_markers_are_evaluated_for_the_target_interpreter_not_the_running_one() -> None:
    linux = _edges(LINUX_311)
    windows = _edges(WINDOWS_38)
    assert ("app", "colorama") not in linux and ("app", "colorama") in windows
    assert ("anyio", "exceptiongroup") not in linux and ("anyio", "exceptiongroup") in windows


def test_requested_extras_add_edges_and_unrequested_ones_do_not() -> None:
    edges = _edges(LINUX_311)
    assert ("web", "anyio") in edges  # App asks for web[async]
    assert ("anyio", "sniffio") in edges  # followed through the extra's dependency
    assert ("web", "trio") not in edges  # nobody asks for web[trio]


def test_names_are_canonical_and_the_declared_name_is_kept() -> None:
    inventory = environment_inventory(DISTS, LINUX_311, SOURCE)
    app = inventory.named("APP")[0]
    assert (app.name, app.declared_name) == ("app", "App")
    assert app.purl == "pkg:pypi/app@1.0"


def test_a_version_that_does_not_satisfy_its_dependent_is_reported() -> None:
    broken = [dist("a", "1.0", "b>=2"), dist("b", "1.5")]
    inventory = environment_inventory(broken, LINUX_311, SOURCE)
    assert [n.code for n in inventory.notices] == ["version-conflict"]
    assert ("a", "b") in {(e.source, e.target) for e in inventory.edges}


def test_root_project_requirements_become_direct_edges_and_activate_extras() -> None:
    inventory = environment_inventory(
        DISTS[1:],
        LINUX_311,
        SOURCE,
        root=RootProject("app", "1.0"),
        root_requirements=("web[trio]",),
    )
    edges = {(e.source, e.target) for e in inventory.edges}
    assert ("", "web") in edges and ("web", "trio") in edges and ("web", "anyio") not in edges
    assert inventory.direct_names == {"web"}


def test_first_distribution_on_the_path_shadows_later_copies() -> None:
    inventory = environment_inventory([dist("pkg", "2.0"), dist("pkg", "1.0")], LINUX_311, SOURCE)
    assert [(c.name, c.version) for c in inventory.components] == [("pkg", "2.0")]


def test_an_unparseable_requirement_is_a_notice_not_a_crash() -> None:
    inventory = environment_inventory([dist("a", "1.0", "b >=>= 2")], LINUX_311, SOURCE)
    assert [n.code for n in inventory.notices] == ["invalid-requirement"]
