"""DSSE envelopes (secure-systems-lab/dsse v1) carrying in-toto Statement v1 documents."""

from __future__ import annotations

import base64
import binascii
import enum
import json
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from assay.signing.keys import key_id

__all__ = [
    "IN_TOTO_PAYLOAD_TYPE",
    "STATEMENT_TYPE",
    "FailureReason",
    "VerificationFailure",
    "canonical_json",
    "open_envelope",
    "pae",
    "sign_statement",
    "statement",
]

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"


class FailureReason(enum.StrEnum):
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown key"
    BAD_SIGNATURE = "bad signature"
    DIGEST_MISMATCH = "digest mismatch"
    EXPIRED = "expired"
    REVOKED = "revoked"


class VerificationFailure(Exception):
    """A document that does not verify, and why."""

    def __init__(self, reason: FailureReason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
    lengths as ASCII decimals of byte counts."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(payload), payload)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same document always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def statement(
    subjects: list[dict[str, Any]], predicate_type: str, predicate: Mapping[str, Any]
) -> dict[str, Any]:
    """An in-toto Statement v1."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": predicate_type,
        "predicate": dict(predicate),
    }


def sign_statement(body: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """A DSSE envelope of the statement, signed with ``key`` (Ed25519 signatures are
    deterministic, so the same statement and key give the same envelope)."""
    payload = canonical_json(body)
    signature = key.sign(pae(IN_TOTO_PAYLOAD_TYPE, payload))
    return {
        "payloadType": IN_TOTO_PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode("ascii"),
        "signatures": [
            {
                "keyid": key_id(key.public_key()),
                "sig": base64.b64encode(signature).decode("ascii"),
            }
        ],
    }


def open_envelope(
    envelope: Any, keys: Mapping[str, Ed25519PublicKey]
) -> tuple[dict[str, Any], str]:
    """The statement inside a DSSE envelope and the id of the key that signed it.

    Every signature is tried against the key its keyid names; one that verifies is enough.
    Raises VerificationFailure with the reason otherwise.
    """
    if not isinstance(envelope, Mapping):
        raise VerificationFailure(FailureReason.MALFORMED, "not a DSSE envelope (not an object)")
    payload_type, payload, signatures = (
        envelope.get("payloadType"),
        envelope.get("payload"),
        envelope.get("signatures"),
    )
    if not isinstance(payload_type, str) or not isinstance(payload, str):
        raise VerificationFailure(FailureReason.MALFORMED, "payloadType and payload are required")
    if not isinstance(signatures, list) or not signatures:
        raise VerificationFailure(FailureReason.MALFORMED, "the envelope has no signatures")
    try:
        body = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VerificationFailure(FailureReason.MALFORMED, "payload is not base64") from exc
    known = [
        s
        for s in signatures
        if isinstance(s, Mapping) and isinstance(s.get("keyid"), str) and s["keyid"] in keys
    ]
    if not known:
        ids = ", ".join(str(s.get("keyid"))[:16] for s in signatures if isinstance(s, Mapping))
        raise VerificationFailure(
            FailureReason.UNKNOWN_KEY, f"signed by key {ids or '(none)'}, which is not trusted here"
        )
    try:
        message = pae(payload_type, body)
    except UnicodeEncodeError as exc:  # a lone surrogate (JSON "\ud800") is no UTF-8
        raise VerificationFailure(FailureReason.MALFORMED, "payloadType is not UTF-8") from exc
    for entry in known:
        try:
            keys[entry["keyid"]].verify(base64.b64decode(str(entry.get("sig", ""))), message)
        except (InvalidSignature, binascii.Error, ValueError):
            continue
        if payload_type != IN_TOTO_PAYLOAD_TYPE:
            raise VerificationFailure(
                FailureReason.MALFORMED, f"payload type {payload_type!r} is not in-toto"
            )
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            raise VerificationFailure(FailureReason.MALFORMED, "payload is not JSON") from exc
        if not isinstance(document, dict) or document.get("_type") != STATEMENT_TYPE:
            raise VerificationFailure(
                FailureReason.MALFORMED, "payload is not an in-toto Statement v1"
            )
        return document, str(entry["keyid"])
    raise VerificationFailure(
        FailureReason.BAD_SIGNATURE, "the signature does not match the payload and key"
    )
