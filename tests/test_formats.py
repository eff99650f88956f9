"""SBOM documents: valid against their official schemas, and byte-identical on re-runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator

from assay.collectors.detect import collect_inventory
from assay.formats import cyclonedx, cyclonedx_json, inventory_json, spdx
from conftest import EXAMPLE, LOCKFILES, run_assay

INPUTS = [
    LOCKFILES / "poetry" / "poetry.lock",
    LOCKFILES / "uv" / "uv.lock",
    LOCKFILES / "pipenv" / "Pipfile.lock",
    LOCKFILES / "pip-lock" / "pylock.toml",
    LOCKFILES / "pip-tools" / "requirements.txt",
    LOCKFILES / "pyproject-only" / "pyproject.toml",
    EXAMPLE,
]
IDS = [str(p.relative_to(p.parents[1])) for p in INPUTS]
CREATED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _spdx_schema() -> dict[str, object]:
    # The SPDX project's 2.3 JSON schema, as shipped in the lib4sbom package.
    text = resources.files("lib4sbom").joinpath("schemas/spdx/2.3-schema.json").read_text("utf-8")
    schema: dict[str, object] = json.loads(text)
    return schema


@pytest.mark.parametrize("source", INPUTS, ids=IDS)
def test_cyclonedx_json_validates_against_the_1_6_schema(source: Path) -> None:
    document = cyclonedx_json.to_json(collect_inventory(source), CREATED)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(document) is None
    assert json.loads(document)["specVersion"] == "1.6"


def _normalised(value: object) -> object:
    """Lists as sets (the library orders some lists its own way), dicts as they are."""
    if isinstance(value, dict):
        return {k: _normalised(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_normalised(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


@pytest.mark.parametrize("source", INPUTS, ids=IDS)
def test_cyclonedx_python_lib_reads_and_reproduces_our_json_exactly(source: Path) -> None:
    inventory = collect_inventory(source)
    ours = json.loads(cyclonedx_json.to_json(inventory, CREATED))
    library = json.loads(cyclonedx.library_json(inventory, CREATED))
    assert _normalised(library) == _normalised(ours)
    assert len(ours["components"]) == len(inventory.components)


@pytest.mark.parametrize("source", INPUTS, ids=IDS)
def test_cyclonedx_xml_validates_against_the_1_6_schema(source: Path) -> None:
    document = cyclonedx.to_xml(collect_inventory(source), CREATED)
    assert XmlValidator(SchemaVersion.V1_6).validate_str(document) is None
    assert 'xmlns="http://cyclonedx.org/schema/bom/1.6"' in document


@pytest.mark.parametrize("source", INPUTS, ids=IDS)
def test_spdx_json_validates_against_the_2_3_schema(source: Path) -> None:
    document = json.loads(spdx.to_json(collect_inventory(source), CREATED))
    jsonschema.validate(document, _spdx_schema())
    assert document["spdxVersion"] == "SPDX-2.3"


def test_the_schema_check_rejects_a_broken_document() -> None:
    document = json.loads(spdx.to_json(collect_inventory(INPUTS[0]), CREATED))
    del document["packages"][0]["downloadLocation"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, _spdx_schema())
    broken = cyclonedx_json.to_json(collect_inventory(INPUTS[0]), CREATED).replace(
        '"type": "library"', '"type": "not-a-type"', 1
    )
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(broken) is not None


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "cyclonedx-xml", "spdx-json"])
@pytest.mark.parametrize("epoch", [None, "1700000000"], ids=["input-time", "SOURCE_DATE_EPOCH"])
def test_two_runs_on_the_same_input_give_byte_identical_files(
    tmp_path: Path, fmt: str, epoch: str | None
) -> None:
    env = {"SOURCE_DATE_EPOCH": epoch} if epoch else {}
    first, second = tmp_path / "first", tmp_path / "second"
    for target in (first, second):
        result = run_assay("sbom", EXAMPLE, "--format", fmt, "-o", target, env=env)
        assert result.code == 0, result.err
    assert first.read_bytes() == second.read_bytes()
    if epoch:
        assert "2023-11-14T22:13:20" in first.read_text(encoding="utf-8")


def test_serial_number_follows_the_content() -> None:
    one = json.loads(cyclonedx_json.to_json(collect_inventory(INPUTS[0]), CREATED))
    two = json.loads(cyclonedx_json.to_json(collect_inventory(INPUTS[1]), CREATED))
    again = json.loads(cyclonedx_json.to_json(collect_inventory(INPUTS[0]), CREATED))
    assert one["serialNumber"] == again["serialNumber"] != two["serialNumber"]


def test_cyclonedx_records_root_project_direct_dependencies_and_groups() -> None:
    bom = json.loads(
        cyclonedx_json.to_json(collect_inventory(LOCKFILES / "uv" / "uv.lock"), CREATED)
    )
    assert bom["metadata"]["component"]["name"] == "lockdemo"
    root = next(
        d for d in bom["dependencies"] if d["ref"] == bom["metadata"]["component"]["bom-ref"]
    )
    assert len(root["dependsOn"]) == 9
    iniconfig = next(c for c in bom["components"] if c["name"] == "iniconfig")
    assert iniconfig["scope"] == "optional"
    assert {"name": "assay:group", "value": "dev"} in iniconfig["properties"]


def test_unpinned_components_are_marked_not_given_a_version() -> None:
    inventory = collect_inventory(LOCKFILES / "pyproject-only" / "pyproject.toml")
    bom = json.loads(cyclonedx_json.to_json(inventory, CREATED))
    attrs = next(c for c in bom["components"] if c["name"] == "attrs")
    assert "version" not in attrs
    assert {"name": "assay:pinned", "value": "false"} in attrs["properties"]
    assert {"name": "assay:specifier", "value": ">=23"} in attrs["properties"]


def test_inventory_document_round_trips() -> None:
    inventory = collect_inventory(LOCKFILES / "poetry" / "poetry.lock")
    again = inventory_json.loads(inventory_json.dumps(inventory))
    assert inventory_json.dumps(again) == inventory_json.dumps(inventory)
    assert again.components == inventory.components and again.edges == inventory.edges


def _results_of_the_example() -> list[object]:
    """Real results of the example project: its quality analysis, secrets check and a
    claims check of a report."""
    from assay.services.claims import check_claims, measurements_for
    from assay.services.quality import analyse_tree
    from assay.services.secrets_check import check_secrets
    from assay.settings import load_settings

    settings = load_settings(EXAMPLE)
    reports = sorted(EXAMPLE.glob("*.md"))
    return [
        analyse_tree(EXAMPLE, workers=1),
        check_secrets(EXAMPLE, settings),
        check_claims(reports, measurements_for(EXAMPLE, None), EXAMPLE),
    ]


def test_every_result_renders_as_the_same_json_twice() -> None:
    from assay.formats import registry

    for result in _results_of_the_example():
        assert "json" in registry.formats_of(type(result))
        first = registry.render(result, "json")
        assert first == registry.render(result, "json")
        assert isinstance(json.loads(first), dict)


def test_an_unknown_format_is_refused_with_the_formats_there_are() -> None:
    from assay.errors import UsageError
    from assay.formats import registry

    quality = _results_of_the_example()[0]
    with pytest.raises(UsageError) as refused:
        registry.render(quality, "yaml")
    assert "cannot be written as 'yaml'" in refused.value.message
    assert refused.value.hint == "formats: json, sarif"


def test_every_registered_type_and_writer_exists() -> None:
    """The table names types and writers by their dotted names (imported on use): a
    renamed class or function must fail here, not in a user's command."""
    import importlib

    from assay.formats import registry

    for dotted, formats in registry._FORMATS.items():
        module, _, name = dotted.rpartition(".")
        kind = getattr(importlib.import_module(module), name)
        assert isinstance(kind, type), dotted
        assert registry.formats_of(kind)[0] == "json"
        for found in formats:
            assert callable(found.write), found.writer
