"""Ed25519 signing keys in a folder: private keys encrypted with a passphrase, files 0600."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from assay.errors import NotFoundError, SigningError

__all__ = [
    "KeyInfo",
    "KeyRing",
    "key_id",
    "load_public_key",
    "public_pem",
]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MIN_PASSPHRASE = 8


@dataclass(frozen=True)
class KeyInfo:
    name: str
    key_id: str
    created: datetime
    private: Path
    public: Path


def key_id(public: Ed25519PublicKey) -> str:
    """The key's id: SHA-256 of its 32 raw public bytes, in hex (DSSE ``keyid``)."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a PEM file (as ``assay keys export-public`` writes it)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise NotFoundError(
            f"no such key file: {path}", hint="export one with: assay keys export-public NAME"
        ) from exc
    except OSError as exc:  # a folder, no permission
        raise SigningError(
            f"cannot read the key file {path}: {exc.strerror}",
            hint="pass the PEM file assay keys export-public wrote",
        ) from exc
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SigningError(
            f"{path} is not a PEM public key", hint="pass the file assay keys export-public wrote"
        ) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path} is not an Ed25519 public key", hint="Assay signs with Ed25519")
    return key


class KeyRing:
    """The key folder: ``NAME.key`` (encrypted PKCS#8 PEM, 0600) and ``NAME.pub``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.expanduser()

    def generate(self, name: str, passphrase: str) -> KeyInfo:
        if not _NAME.match(name):
            raise SigningError(
                f"invalid key name {name!r}", hint="use letters, digits, '.', '_' or '-'"
            )
        if len(passphrase) < MIN_PASSPHRASE:
            raise SigningError(
                f"the passphrase is too short (at least {MIN_PASSPHRASE} characters)",
                hint="private keys are kept encrypted; choose a longer passphrase",
            )
        private_path, public_path = self._paths(name)
        if private_path.exists() or public_path.exists():
            raise SigningError(
                f"a key named {name!r} already exists in {self.folder}",
                hint="choose another name; Assay never overwrites a key",
            )
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = Ed25519PrivateKey.generate()
        encrypted = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
        )
        _write_private(private_path, encrypted)
        public_path.write_bytes(public_pem(key.public_key()))
        return self.info(name)

    def names(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.stem for p in self.folder.glob("*.pub") if _NAME.match(p.stem))

    def info(self, name: str) -> KeyInfo:
        private_path, public_path = self._paths(name)
        public = self.public_key(name)
        created = datetime.fromtimestamp(public_path.stat().st_mtime, UTC)
        return KeyInfo(name, key_id(public), created, private_path, public_path)

    def public_key(self, name: str) -> Ed25519PublicKey:
        _, public_path = self._paths(name)
        if not public_path.is_file():
            raise NotFoundError(
                f"no key named {name!r} in {self.folder}",
                hint="list keys with: assay keys list; create one with: assay keys generate",
            )
        return load_public_key(public_path)

    def private_key(self, name: str, passphrase: str) -> Ed25519PrivateKey:
        private_path, _ = self._paths(name)
        try:
            data = private_path.read_bytes()
        except FileNotFoundError as exc:
            raise NotFoundError(
                f"no private key named {name!r} in {self.folder}",
                hint="create one with: assay keys generate NAME",
            ) from exc
        try:
            key = serialization.load_pem_private_key(data, passphrase.encode("utf-8"))
        except (ValueError, TypeError) as exc:
            raise SigningError(
                f"cannot unlock key {name!r}: wrong passphrase, or the file is damaged",
                hint="give the passphrase the key was generated with (ASSAY_KEY_PASSPHRASE)",
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningError(f"key {name!r} is not an Ed25519 key")
        return key

    def all_public(self) -> dict[str, Ed25519PublicKey]:
        """Every public key of the folder, by key id."""
        keys = (self.public_key(name) for name in self.names())
        return {key_id(key): key for key in keys}

    def _paths(self, name: str) -> tuple[Path, Path]:
        return self.folder / f"{name}.key", self.folder / f"{name}.pub"


def _write_private(path: Path, data: bytes) -> None:
    """Create the file 0600 from the start, so the key is never readable by others."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
