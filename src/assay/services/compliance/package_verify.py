"""Verify an auditor package offline: no store, only the package and a trusted public key.

Every problem names the member it is about: the manifest's signature, members missing,
added, altered or unreadable, evidence against its seal and the release's evidence digest,
tombstones and audit entries against the audit key carried in the (signed) package,
certificates against the trusted keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assay.core.evidence import evidence_digest, evidence_seal
from assay.core.merkle import leaf_hash, verify_inclusion
from assay.core.retention import TOMBSTONE_PREDICATE
from assay.formats.package import MANIFEST, PACKAGE_PREDICATE, read_zip
from assay.signing.dsse import VerificationFailure, open_envelope
from assay.signing.keys import key_id
from assay.signing.note import (
    AUDIT_KEY_NAME,
    MalformedCheckpoint,
    parse_checkpoint,
    verify_note,
)

__all__ = ["PackageCheck", "verify_package"]


@dataclass
class PackageCheck:
    problems: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_package(data: bytes, keys: Mapping[str, Ed25519PublicKey]) -> PackageCheck:
    check = PackageCheck()
    try:
        members, damaged = read_zip(data)
    except ValueError as exc:
        check.problems.append(f"the package is {exc}")
        return check
    check.problems.extend(f"member {n}: {why}" for n, why in sorted(damaged.items()))
    statement = _manifest(members, keys, check)
    if statement is None:
        return check
    predicate = statement.get("predicate") or {}
    check.facts |= {
        k: predicate.get(k) for k in ("project", "release", "run", "evidence_digest", "assessed_at")
    }
    listed: dict[str, str] = {}
    subjects = statement.get("subject")
    for subject in subjects if isinstance(subjects, list) else []:
        if not isinstance(subject, dict) or not isinstance(subject.get("digest"), dict):
            check.problems.append(f"member {MANIFEST}: a subject is not a name and a digest")
            return check
        listed[str(subject.get("name"))] = str(subject["digest"].get("sha256"))
    for name, digest in sorted(listed.items()):
        if name in damaged:
            continue
        if name not in members:
            check.problems.append(f"member {name} is missing (the manifest lists it)")
        elif hashlib.sha256(members[name]).hexdigest() != digest:
            check.problems.append(f"member {name} was altered: its SHA-256 is not the manifest's")
    extra = sorted(set(members) - set(listed) - {MANIFEST})
    check.problems.extend(f"member {n} is not in the manifest (added?)" for n in extra)
    good = {
        n: b
        for n, b in members.items()
        if n in listed and hashlib.sha256(b).hexdigest() == listed[n]
    }
    check.facts["members"] = len(listed)
    audit_key = _audit_key(good, check)
    parts: list[tuple[str, Callable[[], None]]] = [
        (
            "evidence/index.json",
            lambda: _evidence(good, predicate, audit_key, check, set(listed)),
        ),
        ("audit/entries.json", lambda: _audit(good, predicate, audit_key, check)),
        ("certificates/index.json", lambda: _certificates(good, predicate, keys, check)),
    ]
    for name, part in parts:
        try:
            part()
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            # Signed, yet not what Assay writes: said, never a crash.
            check.problems.append(f"member {name} is malformed: {exc}")
    return check


def _manifest(
    members: Mapping[str, bytes], keys: Mapping[str, Ed25519PublicKey], check: PackageCheck
) -> dict[str, Any] | None:
    raw = members.get(MANIFEST)
    if raw is None:
        check.problems.append(f"member {MANIFEST} is missing: nothing vouches for the package")
        return None
    try:
        statement, signer = open_envelope(json.loads(raw), keys)
    except (ValueError, RecursionError):
        check.problems.append(f"member {MANIFEST} is not JSON")
        return None
    except VerificationFailure as failure:
        check.problems.append(f"member {MANIFEST}: {failure.reason}: {failure.detail}")
        return None
    if statement.get("predicateType") != PACKAGE_PREDICATE:
        check.problems.append(f"member {MANIFEST} is not an Assay auditor package manifest")
        return None
    check.facts["signed_by"] = signer
    return statement


def _load(good: Mapping[str, bytes], name: str, check: PackageCheck) -> Any:
    if name not in good:
        return None
    try:
        return json.loads(good[name])
    except (ValueError, RecursionError):
        check.problems.append(f"member {name} is not JSON")
        return None


def _audit_key(good: Mapping[str, bytes], check: PackageCheck) -> Ed25519PublicKey | None:
    raw = good.get("audit/audit-key.pem")
    if raw is None:
        return None
    try:
        key = serialization.load_pem_public_key(raw)
    except ValueError:
        key = None
    if not isinstance(key, Ed25519PublicKey):
        check.problems.append("member audit/audit-key.pem is not an Ed25519 public key")
        return None
    return key


def _evidence(
    good: Mapping[str, bytes],
    predicate: Mapping[str, Any],
    audit_key: Ed25519PublicKey | None,
    check: PackageCheck,
    listed_names: set[str],
) -> None:
    index = _load(good, "evidence/index.json", check)
    purged_entries = _purged_subjects(good, check)
    if not isinstance(index, list):
        check.problems.append("member evidence/index.json is missing or not a list")
        return
    pairs = []
    for entry in index:
        kind, sha, name = entry.get("kind"), entry.get("sha256"), entry.get("member")
        pairs.append((str(kind), str(sha)))
        if evidence_seal(str(kind), str(sha), entry.get("summary") or {}) != entry.get("seal"):
            check.problems.append(
                f"evidence {entry.get('id')} ({kind}): summary does not match its seal"
            )
        if name is not None:
            if name not in good:
                if name not in listed_names:
                    check.problems.append(
                        f"member {name} (named by evidence/index.json) is not in the manifest"
                    )
                continue  # otherwise reported as missing or altered above
            if hashlib.sha256(good[name]).hexdigest() != sha:
                check.problems.append(f"member {name}: not the blob its index entry names")
            continue
        stone_name = str(entry.get("tombstone"))
        stone = _load(good, stone_name, check)
        if stone is None or audit_key is None:
            check.problems.append(
                f"member {stone_name}: no verifiable tombstone for {kind} {sha[:12]}"
            )
            continue
        keys = {key_id(audit_key): audit_key}
        try:
            body, _ = open_envelope(stone, keys)
        except VerificationFailure as failure:
            check.problems.append(f"member {stone_name}: {failure.reason}: {failure.detail}")
            continue
        said = body.get("predicate") or {}
        if body.get("predicateType") != TOMBSTONE_PREDICATE or (
            said.get("sha256"),
            said.get("evidence"),
            said.get("kind"),
        ) != (sha, entry.get("id"), kind):
            check.problems.append(
                f"member {stone_name}: not the tombstone of evidence {entry.get('id')} ({kind})"
            )
        elif entry.get("id") not in purged_entries:
            check.problems.append(
                f"member {stone_name}: no evidence.purged entry in audit/entries.json for it"
            )
    if evidence_digest(pairs) != predicate.get("evidence_digest"):
        check.problems.append(
            "member evidence/index.json: the evidence does not add up to the release's digest"
        )
    check.facts["evidence"] = len(index)


def _purged_subjects(good: Mapping[str, bytes], check: PackageCheck) -> set[str]:
    """Evidence ids of the package's ``evidence.purged`` audit entries (their inclusion in
    the signed checkpoint is checked with every other entry)."""
    body = _load(good, "audit/entries.json", check) or {}
    found = set()
    for entry in body.get("entries", []):
        leaf = json.loads(str(entry.get("leaf_data", "{}")))
        if leaf.get("action") == "evidence.purged":
            found.add(str(leaf.get("subject")))
    return found


def _audit(
    good: Mapping[str, bytes],
    predicate: Mapping[str, Any],
    audit_key: Ed25519PublicKey | None,
    check: PackageCheck,
) -> None:
    note = good.get("audit/checkpoint.txt")
    body = _load(good, "audit/entries.json", check)
    if note is None or body is None or audit_key is None:
        return
    text = verify_note(note.decode("utf-8", "replace"), AUDIT_KEY_NAME, audit_key)
    if text is None:
        check.problems.append("member audit/checkpoint.txt: signature does not verify")
        return
    try:
        _, size, root = parse_checkpoint(text)
    except MalformedCheckpoint as exc:
        check.problems.append(f"member audit/checkpoint.txt: {exc}")
        return
    if root.hex() != (predicate.get("audit") or {}).get("root_hash"):
        check.problems.append("member audit/checkpoint.txt: not the checkpoint the manifest names")
    for entry in body.get("entries", []):
        data = str(entry.get("leaf_data", "")).encode()
        proof = [bytes.fromhex(p) for p in entry.get("proof", [])]
        if not verify_inclusion(int(entry.get("seq", -1)), size, leaf_hash(data), proof, root):
            check.problems.append(
                f"member audit/entries.json: entry {entry.get('seq')} is not in the checkpoint"
            )
    check.facts["audit_entries"] = len(body.get("entries", []))


def _certificates(
    good: Mapping[str, bytes],
    predicate: Mapping[str, Any],
    keys: Mapping[str, Ed25519PublicKey],
    check: PackageCheck,
) -> None:
    index = _load(good, "certificates/index.json", check) or []
    for entry in index:
        name = str(entry.get("member"))
        envelope = _load(good, name, check)
        if envelope is None:
            continue
        try:
            statement, _ = open_envelope(envelope, keys)
        except VerificationFailure as failure:
            check.problems.append(f"member {name}: {failure.reason}: {failure.detail}")
            continue
        release = (statement.get("predicate") or {}).get("release") or {}
        said = (release.get("project"), release.get("name"), release.get("evidence_digest"))
        if said != (
            predicate.get("project"),
            predicate.get("release"),
            predicate.get("evidence_digest"),
        ):
            check.problems.append(
                f"member {name}: certifies another release or other evidence than the package's"
            )
    check.facts["certificates"] = len(index)
