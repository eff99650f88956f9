"""Keys for the services: the key ring of the settings, unlocking, trusted public keys."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from assay.errors import SigningError
from assay.settings import Settings
from assay.signing.keys import KeyRing, key_id, load_public_key

__all__ = ["PASSPHRASE_VARIABLE", "Passphrase", "key_ring", "signing_key", "trusted_keys"]

PASSPHRASE_VARIABLE = "ASSAY_KEY_PASSPHRASE"
Passphrase = Callable[[], str]
"""Asked for the passphrase only when a private key must be unlocked (a CLI prompt)."""


def key_ring(settings: Settings) -> KeyRing:
    folder = settings.signing.key_dir.expanduser()
    if not folder.is_absolute():
        folder = settings.project_dir / folder
    return KeyRing(folder)


def passphrase_from_environment(ask: Passphrase | None) -> str:
    value = os.environ.get(PASSPHRASE_VARIABLE)
    if value:
        return value
    if ask is None:
        raise SigningError(
            f"no passphrase: set {PASSPHRASE_VARIABLE}",
            hint="private keys are encrypted; Assay needs the passphrase to sign",
        )
    return ask()


def signing_key(
    settings: Settings, ask: Passphrase | None = None, name: str | None = None
) -> Ed25519PrivateKey:
    """The configured signing key, unlocked."""
    passphrase = passphrase_from_environment(ask)
    return key_ring(settings).private_key(name or settings.signing.key, passphrase)


def trusted_keys(settings: Settings, extra: Iterable[Path] = ()) -> dict[str, Ed25519PublicKey]:
    """Public keys by key id: the key ring's, ``[signing] trusted_keys`` and ``extra``."""
    keys = key_ring(settings).all_public()
    for path in [*(settings.project_dir / p for p in settings.signing.trusted_keys), *extra]:
        key = load_public_key(path)
        keys[key_id(key)] = key
    return keys
