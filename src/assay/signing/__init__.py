"""Keys and signatures: Ed25519 keys encrypted at rest, DSSE envelopes of in-toto statements."""
