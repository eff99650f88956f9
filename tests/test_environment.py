"""Inventory of a real virtual environment built from the package registry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assay.collectors.detect import collect_inventory
from assay.collectors.probe import find_interpreter
from assay.core.inventory import canonical_name
from assay.errors import InventoryError
from conftest import build_venv, run_assay

PINNED = [
    "flask==3.0.3",
    "werkzeug==3.0.4",
    "jinja2==3.1.4",
    "markupsafe==2.1.5",
    "itsdangerous==2.2.0",
    "click==8.1.7",
    "blinker==1.8.2",
    "requests==2.32.3",
    "certifi==2024.8.30",
    "charset-normalizer==3.4.0",
    "idna==3.10",
    "urllib3==2.2.3",
    "attrs==24.2.0",
]
# Read off the packages' own Requires-Dist: markers for Windows (click -> colorama) and
# for Python < 3.10 (flask -> importlib-metadata) do not hold here, and extras nobody
# requests (requests[socks], werkzeug[watchdog]) add no edge.
EXPECTED_EDGES = {
    ("flask", "werkzeug"),
    ("flask", "jinja2"),
    ("flask", "itsdangerous"),
    ("flask", "click"),
    ("flask", "blinker"),
    ("werkzeug", "markupsafe"),
    ("jinja2", "markupsafe"),
    ("requests", "charset-normalizer"),
    ("requests", "idna"),
    ("requests", "urllib3"),
    ("requests", "certifi"),
}


@pytest.fixture(scope="session")
def real_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with 13 pinned distributions installed by pip from the registry."""
    root = tmp_path_factory.mktemp("venv") / "env"
    return build_venv(root, PINNED)


def _pip_list(venv: Path) -> dict[str, str]:
    listing = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return {canonical_name(d["name"]): d["version"] for d in json.loads(listing.stdout)}


@pytest.mark.network
@pytest.mark.slow
def test_sbom_lists_exactly_what_pip_list_reports(real_venv: Path) -> None:
    # Run outside any project, so no declared dependencies add root edges.
    result = run_assay(
        "sbom", "--python", real_venv, "--format", "cyclonedx-json", cwd=real_venv.parent
    )
    assert result.code == 0, result.err
    bom = json.loads(result.out)
    listed = {canonical_name(c["name"]): c["version"] for c in bom["components"]}
    expected = _pip_list(real_venv)
    assert len(expected) >= 10
    assert listed == expected


@pytest.mark.network
@pytest.mark.slow
def test_sbom_edges_are_the_requires_dist_that_hold_for_the_interpreter(real_venv: Path) -> None:
    result = run_assay("sbom", "--python", real_venv / "bin" / "python", cwd=real_venv.parent)
    assert result.code == 0, result.err
    bom = json.loads(result.out)
    name_of = {c["bom-ref"]: canonical_name(c["name"]) for c in bom["components"]}
    edges = {
        (name_of[d["ref"]], name_of[target])
        for d in bom["dependencies"]
        for target in d.get("dependsOn", [])
    }
    assert edges == EXPECTED_EDGES


@pytest.mark.network
@pytest.mark.slow
def test_environment_inventory_normalises_licences_only_when_unambiguous(
    real_venv: Path,
) -> None:
    inventory = collect_inventory(real_venv.parent, python=str(real_venv))
    licences = {c.name: c.licenses for c in inventory.components}
    # PEP 639 License-Expression, a License field naming one licence, a precise classifier.
    assert [(x.origin.value, x.expression) for x in licences["attrs"]] == [
        ("License-Expression", "MIT")
    ]
    assert [(x.origin.value, x.expression) for x in licences["requests"]] == [
        ("License", "Apache-2.0")
    ]
    assert [(x.origin.value, x.expression) for x in licences["urllib3"]] == [("Classifier", "MIT")]
    # "BSD License" names a family, not a licence: kept verbatim, never guessed.
    assert [(x.expression, x.text) for x in licences["flask"]] == [
        (None, "License :: OSI Approved :: BSD License")
    ]
    assert all(s.kind.value == "environment" for s in inventory.sources)


def test_distributions_are_read_from_metadata_never_imported(tmp_path: Path) -> None:
    venv = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    tripwire = tmp_path / "imported"
    (site / "tripwire").mkdir()
    (site / "tripwire" / "__init__.py").write_text(
        f"open({str(tripwire)!r}, 'w').close()\n", encoding="utf-8"
    )
    info = site / "tripwire-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.4\nName: Tripwire\nVersion: 1.0\nLicense-Expression: MIT\n"
        "Requires-Dist: absent-package>=1\n\nA long description that is not a header.\n",
        encoding="utf-8",
    )
    inventory = collect_inventory(tmp_path, python=str(venv))
    assert [(c.name, c.version, c.declared_name) for c in inventory.components] == [
        ("tripwire", "1.0", "Tripwire")
    ]
    assert not tripwire.exists()
    missing = [n for n in inventory.notices if n.code == "missing-dependency"]
    assert len(missing) == 1 and "absent-package" in missing[0].message


def test_a_file_that_is_not_an_interpreter_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("not a program\n", encoding="utf-8")
    with pytest.raises(InventoryError, match="is not a Python interpreter"):
        collect_inventory(tmp_path, python=str(fake))


def test_a_missing_interpreter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match="no interpreter at"):
        find_interpreter(tmp_path / "nope" / "python", None)


def test_the_running_interpreter_is_the_default_without_a_project_venv(tmp_path: Path) -> None:
    assert find_interpreter(None, tmp_path) == Path(sys.executable)
