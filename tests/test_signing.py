"""Keys at rest, DSSE envelopes checked by independent implementations, provenance, tampering."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.dsse import Envelope
from securesystemslib.exceptions import VerificationError
from securesystemslib.signer import SSlibKey

from assay.errors import SigningError
from assay.signing.dsse import (
    FailureReason,
    VerificationFailure,
    open_envelope,
    sign_statement,
    statement,
)
from assay.signing.keys import KeyRing, key_id
from conftest import run_assay

PASSPHRASE = "a long enough passphrase"


@pytest.fixture
def ring(tmp_path: Path) -> KeyRing:
    ring = KeyRing(tmp_path / "keys")
    ring.generate("release", PASSPHRASE)
    return ring


def _envelope(ring: KeyRing) -> dict[str, object]:
    body = statement(
        [{"name": "ledger-1.0.0.tar.gz", "digest": {"sha256": "ab" * 32}}],
        "https://example.org/predicate/v1",
        {"note": "naïve café ✓"},  # non-ASCII survives the canonical encoding
    )
    return sign_statement(body, ring.private_key("release", PASSPHRASE))


def test_private_keys_are_encrypted_and_readable_by_the_owner_only(ring: KeyRing) -> None:
    info = ring.info("release")
    assert stat.S_IMODE(info.private.stat().st_mode) == 0o600
    assert stat.S_IMODE(ring.folder.stat().st_mode) == 0o700
    pem = info.private.read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in pem
    with pytest.raises(TypeError):  # no passphrase: cryptography refuses to load it
        serialization.load_pem_private_key(pem, None)
    with pytest.raises(SigningError, match="wrong passphrase"):
        ring.private_key("release", "not the passphrase")
    with pytest.raises(SigningError, match="already exists"):
        ring.generate("release", PASSPHRASE)
    with pytest.raises(SigningError, match="too short"):
        ring.generate("other", "short")


def test_an_envelope_verifies_with_securesystemslib(ring: KeyRing) -> None:
    envelope = _envelope(ring)
    public = ring.public_key("release")
    key = SSlibKey.from_crypto(public, keyid=key_id(public))
    verified = Envelope.from_dict(dict(envelope)).verify([key], 1)
    assert list(verified) == [key_id(public)]


def test_the_pae_recomputed_by_hand_verifies(ring: KeyRing) -> None:
    envelope = _envelope(ring)
    payload = base64.b64decode(str(envelope["payload"]))
    kind = str(envelope["payloadType"]).encode()
    # DSSE v1: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal.
    message = b" ".join(
        [b"DSSEv1", str(len(kind)).encode(), kind, str(len(payload)).encode(), payload]
    )
    (signature,) = envelope["signatures"]  # type: ignore[misc]
    public = ring.public_key("release")
    public.verify(base64.b64decode(signature["sig"]), message)
    assert (
        signature["keyid"]
        == hashlib.sha256(
            public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        ).hexdigest()
    )
    assert json.loads(payload)["_type"] == "https://in-toto.io/Statement/v1"


def _tampered(envelope: dict[str, object], part: str) -> dict[str, object]:
    copy = json.loads(json.dumps(envelope))
    if part == "payload":
        body = json.loads(base64.b64decode(copy["payload"]))
        body["subject"][0]["digest"]["sha256"] = "cd" * 32
        copy["payload"] = base64.b64encode(json.dumps(body).encode()).decode()
    elif part == "signature":
        raw = bytearray(base64.b64decode(copy["signatures"][0]["sig"]))
        raw[0] ^= 1
        copy["signatures"][0]["sig"] = base64.b64encode(bytes(raw)).decode()
    else:
        copy["signatures"][0]["keyid"] = "0" * 64
    return copy


@pytest.mark.parametrize(
    ("part", "reason"),
    [
        ("payload", FailureReason.BAD_SIGNATURE),
        ("signature", FailureReason.BAD_SIGNATURE),
        ("keyid", FailureReason.UNKNOWN_KEY),
    ],
)
def test_tampering_fails_here_and_in_securesystemslib(
    ring: KeyRing, part: str, reason: FailureReason
) -> None:
    public = ring.public_key("release")
    tampered = _tampered(_envelope(ring), part)
    with pytest.raises(VerificationFailure) as caught:
        open_envelope(tampered, {key_id(public): public})
    assert caught.value.reason is reason
    key = SSlibKey.from_crypto(public, keyid=key_id(public))
    with pytest.raises(VerificationError):
        Envelope.from_dict(tampered).verify([key], 1)


def test_another_key_with_the_same_id_is_a_bad_signature(ring: KeyRing) -> None:
    envelope = _envelope(ring)
    stranger = Ed25519PrivateKey.generate().public_key()
    real_id = key_id(ring.public_key("release"))
    with pytest.raises(VerificationFailure) as caught:
        open_envelope(envelope, {real_id: stranger})
    assert caught.value.reason is FailureReason.BAD_SIGNATURE
    with pytest.raises(InvalidSignature):
        stranger.verify(b"x" * 64, b"message")


def test_provenance_for_artifacts_verifies_offline_and_catches_a_changed_file(
    tmp_path: Path,
) -> None:
    env = {
        "ASSAY_SIGNING_KEY_DIR": str(tmp_path / "keys"),
        "ASSAY_KEY_PASSPHRASE": PASSPHRASE,
        "SOURCE_DATE_EPOCH": "1767225600",
    }
    project = tmp_path / "ledger"
    (project / "dist").mkdir(parents=True)
    (project / "pyproject.toml").write_text('[project]\nname = "ledger"\nversion = "1"\n')
    (project / "uv.lock").write_text('version = 1\nrequires-python = ">=3.11"\n')
    wheel = project / "dist" / "ledger-1-py3-none-any.whl"
    wheel.write_bytes(b"PK\x03\x04 a wheel's bytes")
    assert run_assay("keys", "generate", "-C", project, env=env).code == 0
    first = run_assay("provenance", wheel, "-C", project, env=env)
    assert first.code == 0, first.err
    envelope_path = project / "dist" / "ledger.intoto.json"
    document = envelope_path.read_bytes()
    again = run_assay("provenance", wheel, "-C", project, env=env)
    assert again.code == 0 and envelope_path.read_bytes() == document  # byte-identical

    body = json.loads(base64.b64decode(json.loads(document)["payload"]))
    assert body["predicateType"] == "https://slsa.dev/provenance/v1"
    assert body["subject"] == [
        {"name": wheel.name, "digest": {"sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()}}
    ]
    definition = body["predicate"]["buildDefinition"]
    lock_digest = hashlib.sha256((project / "uv.lock").read_bytes()).hexdigest()
    assert definition["externalParameters"]["lockfiles"] == [
        {"name": "uv.lock", "sha256": lock_digest}
    ]
    assert definition["externalParameters"]["source"] == {"commit": None, "dirty": None}
    assert definition["resolvedDependencies"][-1]["name"] == "uv.lock"
    assert body["predicate"]["runDetails"]["metadata"]["startedOn"] == "2026-01-01T00:00:00Z"

    public = tmp_path / "release.pub"
    assert run_assay("keys", "export-public", "-o", public, "-C", project, env=env).code == 0
    ok = run_assay("verify", envelope_path, "--key", public)
    assert ok.code == 0 and "verified provenance" in ok.out, ok.err
    wheel.write_bytes(b"PK\x03\x04 another wheel")
    bad = run_assay("verify", envelope_path, "--key", public)
    assert bad.code == 1 and "digest mismatch" in bad.err and wheel.name in bad.err
    stranger = tmp_path / "stranger.pub"
    stranger.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    unknown = run_assay("verify", envelope_path, "--key", stranger)
    assert unknown.code == 1 and "unknown key" in unknown.err


def test_signing_mistakes_are_explained(tmp_path: Path) -> None:
    env = {"ASSAY_SIGNING_KEY_DIR": str(tmp_path / "keys"), "ASSAY_KEY_PASSPHRASE": PASSPHRASE}
    artifact = tmp_path / "a.whl"
    artifact.write_bytes(b"x")
    missing = run_assay("provenance", artifact, "-C", tmp_path, env=env)
    assert missing.code == 2 and "assay keys generate" in missing.err
    assert run_assay("keys", "generate", "-C", tmp_path, env=env).code == 0
    wrong = run_assay(
        "provenance", artifact, "-C", tmp_path, env={**env, "ASSAY_KEY_PASSPHRASE": "nope nope"}
    )
    assert wrong.code == 2 and "wrong passphrase" in wrong.err
    gone = run_assay("provenance", tmp_path / "nothing.whl", "-C", tmp_path, env=env)
    assert gone.code == 2 and "no such artifact" in gone.err
    nokey = run_assay("verify", artifact)
    assert nokey.code == 2 and "--key" in nokey.err
    assert os.environ.get("ASSAY_KEY_PASSPHRASE") is None  # nothing leaks into the suite
