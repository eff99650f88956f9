"""Signed notes in the C2SP signed-note format, carrying tlog checkpoints.

A checkpoint's text is ``origin``, the tree size and the base64 root hash, one per line;
each signature line is "— NAME BASE64(key hash || signature)", the key hash being the
first four bytes of SHA-256(name || "\\n" || 0x01 || Ed25519 public key).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "AUDIT_KEY_NAME",
    "MalformedCheckpoint",
    "checkpoint_text",
    "key_hash",
    "parse_checkpoint",
    "sign_note",
    "verifier_key",
    "verify_note",
]

AUDIT_KEY_NAME = "assay-audit"
"""The key name in the audit log's signed checkpoints (and of the tombstones' signer)."""

_ED25519 = b"\x01"


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_hash(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + _ED25519 + _raw(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The note verifier key: ``name+hexhash+base64(0x01 || public key)``."""
    encoded = base64.b64encode(_ED25519 + _raw(public)).decode()
    return f"{name}+{key_hash(name, public).hex()}+{encoded}"


def checkpoint_text(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def sign_note(text: str, name: str, key: Ed25519PrivateKey) -> str:
    signature = key.sign(text.encode())
    blob = base64.b64encode(key_hash(name, key.public_key()) + signature).decode()
    return f"{text}\n\u2014 {name} {blob}\n"


def verify_note(note: str, name: str, public: Ed25519PublicKey) -> str | None:
    """The note's text when a signature by ``name``'s key verifies, else None."""
    text, separator, signatures = note.partition("\n\n")
    if not separator:
        return None
    text += "\n"
    wanted = key_hash(name, public)
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        try:
            blob = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if blob[:4] != wanted:
            continue
        try:
            public.verify(blob[4:], text.encode())
        except InvalidSignature:
            return None
        return text
    return None


class MalformedCheckpoint(ValueError):
    """A checkpoint text that is not origin, size and base64 root hash, one per line."""


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    """Origin, tree size and root hash of a checkpoint's text (extension lines ignored)."""
    lines = text.rstrip("\n").split("\n")
    if len(lines) < 3:
        raise MalformedCheckpoint("a checkpoint needs its origin, size and root hash lines")
    origin, size, root = lines[:3]
    if not size.isascii() or not size.isdigit() or len(size) > 19:
        raise MalformedCheckpoint(f"the tree size {size[:40]!r} is not a number")
    try:
        return origin, int(size), base64.b64decode(root, validate=True)
    except ValueError as exc:  # binascii.Error
        raise MalformedCheckpoint(f"the root hash {root[:60]!r} is not base64") from exc
