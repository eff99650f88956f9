"""Compliance status on the example project, and auditor packages checked offline."""

from __future__ import annotations

import base64
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from trestle.core.validator_factory import validator_factory
from trestle.oscal.assessment_results import AssessmentResults

from assay.services.compliance.package_verify import verify_package
from assay.signing.keys import key_id, load_public_key
from assay.store.locker import EvidenceLocker
from conftest import run_assay

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def certified(example_project: Path, store_url: str, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The example project certified once, with release 1.0.0 of that run and a key."""
    (example_project / "assay.toml").write_text(f'[store]\nurl = "{store_url}"\n', "utf-8")
    env = {"ASSAY_SIGNING_KEY_DIR": str(tmp_path / "keys"), "ASSAY_KEY_PASSPHRASE": PASSPHRASE}
    done = run_assay("certify", "-C", example_project, "--author", "ci@example.com", env=env)
    assert done.code == 1, done.err
    assert run_assay("release", "create", "1.0.0", "-C", example_project, env=env).code == 0
    assert run_assay("keys", "generate", "-C", example_project, env=env).code == 0
    return example_project, env


def _status(project: Path, *args: str) -> tuple[int, dict[str, object]]:
    done = run_assay("compliance", "status", "-C", project, "-f", "json", *args)
    assert done.code in (0, 1), done.err
    return done.code, json.loads(done.out)


def _control(document: dict[str, object], framework: str, ident: str) -> dict[str, object]:
    frameworks = document["frameworks"]
    assert isinstance(frameworks, list)
    found = next(f for f in frameworks if f["framework"] == framework)
    return next(c for c in found["controls"] if c["id"] == ident)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_ssdf_status_names_every_task_and_follows_the_evidence(
    certified: tuple[Path, dict[str, str]], store_url: str
) -> None:
    project, _ = certified
    text = run_assay("compliance", "status", "--framework", "ssdf", "-C", project)
    assert text.code == 1, text.err  # PW.8.2 (tests) is mapped and the example has no tests
    catalog = json.loads(
        (Path(__file__).parents[1] / "src/assay/data/compliance/ssdf-1.1.json").read_text()
    )
    assert len(catalog["controls"]) == 42
    for control in catalog["controls"]:
        assert f" {control['id']} " in text.out
    assert "missing: no tests evidence in the run" in text.out

    code, document = _status(project, "--framework", "ssdf")
    assert code == 1
    rv21 = _control(document, "ssdf", "RV.2.1")
    assert rv21["state"] == "satisfied"
    evidence = rv21["evidence"]
    assert isinstance(evidence, list) and evidence[0]["kind"] == "vulnerabilities"
    digest = evidence[0]["sha256"]

    # Break the evidence behind RV.2.1: the blob is overwritten on disk.
    locker = EvidenceLocker(project / ".assay" / "evidence")
    blob = locker.path(digest)
    blob.chmod(0o644)
    blob.write_bytes(b'{"findings": []}')
    code, document = _status(project, "--framework", "ssdf")
    broken = _control(document, "ssdf", "RV.2.1")
    assert broken["state"] == "missing"
    missing = broken["missing"]
    assert isinstance(missing, list) and "does not verify" in missing[0]
    assert "altered" in missing[0]


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_mapping_errors_and_not_applicable_controls(certified: tuple[Path, dict[str, str]]) -> None:
    project, _ = certified
    config = project / "assay.toml"
    base = config.read_text()
    config.write_text(
        base
        + '\n[[compliance.not_applicable]]\nframework = "soc2"\nid = "CC7.5"\n'
        + 'justification = "recovery is run by the platform team, outside this service"\n'
        + '\n[[compliance.controls]]\nframework = "soc2"\nid = "CC7.3"\n'
        + 'evidence = ["monitoring"]\nrequired = false\n',
        "utf-8",
    )
    _, document = _status(project, "--framework", "soc2")
    cc75 = _control(document, "soc2", "CC7.5")
    assert cc75["state"] == "not-applicable" and "platform team" in str(cc75["justification"])
    assert _control(document, "soc2", "CC7.3")["state"] == "satisfied"

    config.write_text(
        base + '\n[[compliance.not_applicable]]\nframework = "soc2"\nid = "CC7.5"\n', "utf-8"
    )
    done = run_assay("compliance", "status", "-C", project)
    assert done.code == 2 and "has no justification" in done.err
    config.write_text(
        base
        + '\n[[compliance.controls]]\nframework = "ssdf"\nid = "PW.99"\nevidence = ["tests"]\n',
        "utf-8",
    )
    done = run_assay("compliance", "status", "-C", project)
    assert done.code == 2 and "ssdf has no control 'PW.99'" in done.err
    # A default gate switched off: Assay's mappings that name it read it as not passing.
    config.write_text(
        base + '\n[gates.PROD-003]\nenabled = false\nreason = "scanned elsewhere"\n', "utf-8"
    )
    _, document = _status(project, "--framework", "ssdf")
    rv11 = _control(document, "ssdf", "RV.1.1")
    assert rv11["state"] == "partial" and "PROD-003" in str(rv11["missing"])
    config.write_text(base, "utf-8")
    done = run_assay("compliance", "status", "--framework", "pci", "-C", project)
    assert done.code == 2 and "unknown framework pci" in done.err


def _package(project: Path, env: dict[str, str], target: Path) -> bytes:
    done = run_assay("package", "1.0.0", "-o", target, "-C", project, env=env)
    assert done.code == 0, done.err
    return target.read_bytes()


def _rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def test_a_package_verifies_offline_and_names_what_fails(
    certified: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    project, env = certified
    first = _package(project, env, tmp_path / "one.zip")
    assert _package(project, env, tmp_path / "two.zip") == first  # byte-identical
    public = tmp_path / "signer.pub.pem"
    assert (
        run_assay("keys", "export-public", "default", "-o", public, "-C", project, env=env).code
        == 0
    )

    # In a fresh folder, with no store, no project and no key folder: only the package.
    fresh = tmp_path / "auditor"
    fresh.mkdir()
    bare = {k: v for k, v in os.environ.items() if not k.startswith("ASSAY_")}
    clean = {"ASSAY_SIGNING_KEY_DIR": str(fresh / "no-keys")}

    def verify(data: bytes) -> tuple[int, str]:
        path = fresh / "release.zip"
        path.write_bytes(data)
        done = run_assay("verify", path, "--key", public, cwd=fresh, env={**bare, **clean})
        return done.code, done.out + done.err

    code, out = verify(first)
    assert code == 0, out
    assert "verified auditor package of shipping-quotes@1.0.0" in out
    assert not (fresh / ".assay").exists()

    members = _members(first)
    assert {
        "evidence/index.json",
        "audit/entries.json",
        "exports/oscal-assessment-results.json",
        "exports/cyclonedx-attestations.json",
        "compliance/status.json",
        "signoffs.json",
        "manifest.dsse.json",
    } <= set(members)
    assert any(n.startswith("evidence/sbom.cyclonedx/") for n in members)
    # The exports of a real release: trestle loads the OSCAL, the CycloneDX schema
    # accepts the attestations, and the SBOM's digest is the evidence the status cites.
    oscal = json.loads(members["exports/oscal-assessment-results.json"])
    model = AssessmentResults.model_validate(oscal["assessment-results"])
    for validator in validator_factory.get_all():
        assert validator.model_is_valid(model, True), validator.error_msg()
    # SP 800-53 controls carry the ids of NIST's own OSCAL catalog (sa-11, not SA-11).
    assert '"control-id": "sa-11"' in members["exports/oscal-assessment-results.json"].decode()
    attestations = members["exports/cyclonedx-attestations.json"].decode()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(attestations) is None
    status = json.loads(members["compliance/status.json"])
    ps32 = _control(status, "ssdf", "PS.3.2")
    assert ps32["state"] == "satisfied"
    sbom = next(e for e in ps32["evidence"] if e["kind"] == "sbom.cyclonedx")
    assert f"evidence:sha256:{sbom['sha256']}" in json.dumps(oscal)
    assert sbom["sha256"] in attestations

    key = load_public_key(public)
    trusted = {key_id(key): key}

    def problems(data: bytes) -> str:
        return "\n".join(verify_package(data, trusted).problems)

    assert problems(first) == ""
    for name in sorted(members):  # one flipped byte in any member fails, naming it
        changed = dict(members)
        data = bytearray(members[name])
        data[len(data) // 2] ^= 0x01
        changed[name] = bytes(data)
        found = problems(_rezip(changed))
        assert f"member {name}" in found, (name, found)
    for name in sorted(members):  # any member removed
        found = problems(_rezip({k: v for k, v in members.items() if k != name}))
        assert f"member {name} is missing" in found, (name, found)
    found = problems(_rezip({**members, "evidence/extra.json": b"{}"}))
    assert "member evidence/extra.json is not in the manifest" in found

    # Signed by the trusted key, yet malformed inside: said, never a crash.
    from assay.formats.package import MANIFEST, manifest_statement
    from assay.signing.dsse import sign_statement
    from assay.signing.keys import KeyRing

    private = KeyRing(tmp_path / "keys").private_key("default", PASSPHRASE)
    odd = {k: v for k, v in members.items() if k != MANIFEST}
    entries = json.loads(odd["audit/entries.json"])
    entries["entries"][0]["proof"] = ["not hex"]
    odd["audit/entries.json"] = json.dumps(entries).encode()
    predicate = json.loads(base64.b64decode(json.loads(members[MANIFEST])["payload"]))["predicate"]
    odd[MANIFEST] = json.dumps(sign_statement(manifest_statement(odd, predicate), private)).encode()
    found = problems(_rezip(odd))
    assert "member audit/entries.json is malformed" in found, found
    # A blob left out of the zip and of the manifest, re-signed: its index entry says so.
    blob = next(n for n in members if n.startswith("evidence/secrets/"))
    short = {k: v for k, v in members.items() if k not in (MANIFEST, blob)}
    short[MANIFEST] = json.dumps(
        sign_statement(manifest_statement(short, predicate), private)
    ).encode()
    found = problems(_rezip(short))
    assert f"member {blob} (named by evidence/index.json) is not in the manifest" in found

    prefixed = verify_package(_rezip({"evil.txt": b"x"}) + first, trusted)
    assert not prefixed.ok and "bytes before" in prefixed.problems[0]
    garbage = verify_package(b"PK\x03\x04 not a zip at all", trusted)
    assert not garbage.ok and "not a readable zip" in garbage.problems[0]
    unknown = run_assay("package", "9.9", "-o", tmp_path / "none.zip", "-C", project, env=env)
    assert unknown.code == 2 and "no release 9.9" in unknown.err
    assert not (tmp_path / "none.zip").exists()

    # The manifest re-signed with another key: not the signer the auditor trusts.
    other = {**env, "ASSAY_SIGNING_KEY_DIR": str(tmp_path / "other-keys")}
    assert run_assay("keys", "generate", "-C", project, env=other).code == 0
    swapped = _package(project, other, tmp_path / "swapped.zip")
    code, out = verify(swapped)
    assert code == 1 and "manifest.dsse.json" in out and "not trusted" in out

    # A raw byte flipped inside the zip's compressed data names the member too.
    raw = bytearray(first)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        info = archive.getinfo("evidence/index.json")
    offset = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    raw[offset] ^= 0xFF
    code, out = verify(bytes(raw))
    assert code == 1 and "evidence/index.json" in out


@pytest.mark.anyio
async def test_the_api_serves_status_and_packages_to_who_may_read_them(
    certified: tuple[Path, dict[str, str]],
) -> None:
    from api_support import add_team, client

    project, env = certified
    team = add_team(project, env)
    base = "/api/v1/projects/shipping-quotes"
    async with client(team, None) as api:
        shown = await api.get(
            f"{base}/compliance",
            params={"framework": "soc2", "release": "1.0.0"},
            headers=team.auth("qa@x"),
        )
        assert shown.status_code == 200, shown.text
        soc2 = shown.json()["frameworks"][0]
        assert soc2["framework"] == "soc2" and len(soc2["controls"]) == 6
        unknown = await api.get(
            f"{base}/compliance", params={"framework": "pci"}, headers=team.auth("qa@x")
        )
        assert unknown.status_code == 400 and "unknown framework pci" in unknown.text
        refused = await api.get(f"{base}/releases/1.0.0/package", headers=team.auth("qa@x"))
        assert refused.status_code == 403 and "audit.read" in refused.text
        package = await api.get(f"{base}/releases/1.0.0/package", headers=team.auth("auditor@x"))
        assert package.status_code == 200, package.text
        assert package.headers["content-type"] == "application/zip"
        missing = await api.get(f"{base}/releases/9.9/package", headers=team.auth("auditor@x"))
        assert missing.status_code == 404
    from api_support import patched_environment
    from assay.services.signing import key_ring
    from assay.settings import load_settings

    with patched_environment(env):
        keys = key_ring(load_settings(project)).all_public()
    check = verify_package(package.content, {key_id(k): k for k in keys.values()})
    assert check.ok, check.problems
