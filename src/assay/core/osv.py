"""OSV records (schema 1.x) as domain types, parsed from their JSON form without I/O."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

from assay.core.inventory import canonical_name

__all__ = [
    "TIME_FIELDS",
    "Affected",
    "Event",
    "EventKind",
    "MalformedRecord",
    "OsvRange",
    "Severity",
    "Vulnerability",
    "canonical_version",
    "normalise_times",
    "parse_record",
]

PYPI = "PyPI"


class MalformedRecord(ValueError):
    """An OSV record that does not follow the schema; the message names the record."""


class EventKind(enum.StrEnum):
    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


@dataclass(frozen=True)
class Event:
    """One range event; ``version`` is None for the "0" (everything) introduction."""

    kind: EventKind
    text: str
    version: Version | None


@dataclass(frozen=True)
class OsvRange:
    """An ECOSYSTEM range of PyPI versions (other range types are not matched here)."""

    events: tuple[Event, ...]
    """Sorted by version, the "0" introduction first."""

    @functools.cached_property
    def limits(self) -> tuple[Version, ...]:
        """Versions of the ``limit`` events (rare), computed once."""
        return tuple(e.version for e in self.events if e.kind is EventKind.LIMIT and e.version)


@dataclass(frozen=True)
class Affected:
    """The part of a record about one package."""

    name: str
    """PEP 503 canonical package name."""
    ranges: tuple[OsvRange, ...]
    versions_text: frozenset[str] = frozenset()
    """The explicit ``versions`` list as written. It is parsed only when needed: lists run
    to hundreds of entries and most records are never matched against a given version."""
    known_canonical: frozenset[str] | None = None
    """The canonical forms of ``versions_text`` when computed beforehand (at import)."""

    @functools.cached_property
    def versions(self) -> frozenset[Version]:
        """The ``versions`` entries that are PEP 440 versions, parsed."""
        parsed = set()
        for text in self.versions_text:
            try:
                parsed.add(Version(text))
            except InvalidVersion:
                continue
        return frozenset(parsed)

    @functools.cached_property
    def canonical_versions(self) -> frozenset[str]:
        """The entries in canonical form: equal strings exactly when the versions are equal."""
        if self.known_canonical is not None:
            return self.known_canonical
        return frozenset(canonical_version(text) for text in self.versions_text)


# Versions already written in PEP 440's normal form (no leading zeros, lower-case, no
# separators to normalise): ``1.2.3``, ``2.0rc1``, ``1.0.post1.dev2``. They are most of
# every list, and their canonical form only needs trailing zeros dropped from the release.
_NORMAL = re.compile(
    r"^(?P<release>(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*)"
    r"(?P<rest>(?:(?:a|b|rc)(?:0|[1-9][0-9]*))?(?:\.post(?:0|[1-9][0-9]*))?"
    r"(?:\.dev(?:0|[1-9][0-9]*))?)$"
)


def canonical_version(text: str) -> str:
    """PEP 440 canonical form (``1.0.0`` and ``1`` alike), or the text when not a version."""
    normal = _NORMAL.match(text)
    if normal:
        release = normal.group("release")
        while release.endswith(".0"):
            release = release[:-2]
        return release + normal.group("rest")
    try:
        return canonicalize_version(Version(text))
    except InvalidVersion:
        return text


@dataclass(frozen=True)
class Severity:
    """A severity entry: a CVSS vector with its type, or a database's own word."""

    kind: str
    """``CVSS_V3``, ``CVSS_V4``, or ``database_specific``."""
    score: str


@dataclass(frozen=True)
class Vulnerability:
    """An OSV record reduced to what matching, scoring and reporting need."""

    id: str
    aliases: tuple[str, ...]
    modified: str
    published: str | None
    withdrawn: str | None
    summary: str | None
    details: str | None
    severity: tuple[Severity, ...]
    affected: tuple[Affected, ...]
    """Only the PyPI entries."""
    references: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


TIME_FIELDS = ("modified", "published", "withdrawn")


def normalise_times(data: Mapping[str, Any]) -> dict[str, Any]:
    """The record with its timestamps in the RFC 3339 UTC form the OSV schema requires.

    Exports converted from YAML carry ``2023-10-25 18:17:00+00:00`` or datetime objects;
    OSV clients (pip-audit among them) accept only ``2023-10-25T18:17:00Z``. The instant is
    unchanged; a value that is not a time is left as it is, for validation to judge.
    """
    result = dict(data)
    for field in TIME_FIELDS:
        value = result.get(field)
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
        else:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            moment = moment.astimezone(UTC)
        except OverflowError:  # year 1 east of UTC, or 9999 west of it: not a real time
            continue
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if moment.microsecond:
            text += f".{moment.microsecond:06d}"
        result[field] = text + "Z"
    return result


def parse_record(
    data: Mapping[str, Any], canonical: Mapping[str, frozenset[str]] | None = None
) -> Vulnerability:
    """Parse one OSV JSON record; raise :class:`MalformedRecord` naming it when invalid.

    ``canonical`` gives, per canonical package name, the canonical forms of the record's
    ``versions`` list when they were computed beforehand.
    """
    if not isinstance(data, Mapping):
        raise MalformedRecord("record is not a JSON object")
    ident = data.get("id")
    if not isinstance(ident, str) or not ident:
        raise MalformedRecord("record has no id")

    def bad(why: str) -> MalformedRecord:
        return MalformedRecord(f"{ident}: {why}")

    modified = data.get("modified")
    if not isinstance(modified, str):
        raise bad("missing 'modified' time")
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise bad("'aliases' must be a list of strings")
    affected_raw = data.get("affected") or []
    if not isinstance(affected_raw, list):
        raise bad("'affected' must be a list")
    affected = tuple(
        _affected(entry, bad, canonical or {})
        for entry in affected_raw
        if isinstance(entry, Mapping) and _ecosystem(entry) == PYPI
    )
    if any(not isinstance(entry, Mapping) for entry in affected_raw):
        raise bad("every 'affected' entry must be an object")
    texts = {}
    for field in ("published", "withdrawn", "summary", "details"):
        value = data.get(field)
        if value is not None and not isinstance(value, str):
            raise bad(f"'{field}' must be a string")
        texts[field] = value
    severity = [
        Severity(str(s.get("type")), str(s.get("score")))
        for s in _list(data, "severity", bad)
        if isinstance(s, Mapping) and s.get("type") and s.get("score")
    ]
    specific = data.get("database_specific")
    word = specific.get("severity") if isinstance(specific, Mapping) else None
    if isinstance(word, str) and word:
        severity.append(Severity("database_specific", word))
    references = tuple(
        str(r["url"])
        for r in _list(data, "references", bad)
        if isinstance(r, Mapping) and r.get("url")
    )
    return Vulnerability(
        id=ident,
        aliases=tuple(sorted(set(aliases) - {ident})),
        modified=modified,
        published=texts["published"],
        withdrawn=texts["withdrawn"],
        summary=texts["summary"],
        details=texts["details"],
        severity=tuple(severity),
        affected=affected,
        references=references,
    )


def _list(data: Mapping[str, Any], field: str, bad: Any) -> list[Any]:
    """The list under ``field`` (absent or null: empty); anything else is malformed."""
    value = data.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"'{field}' must be a list")
    return value


def _ecosystem(entry: Mapping[str, Any]) -> str:
    package = entry.get("package") or {}
    ecosystem = str(package.get("ecosystem", "")) if isinstance(package, Mapping) else ""
    return ecosystem.split(":", 1)[0]


def _affected(
    entry: Mapping[str, Any], bad: Any, canonical: Mapping[str, frozenset[str]]
) -> Affected:
    name = (entry.get("package") or {}).get("name")
    if not isinstance(name, str) or not name:
        raise bad("an affected package has no name")
    ranges = []
    for raw in _list(entry, "ranges", bad):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("events"), list):
            raise bad(f"a range of {name} has no events")
        if raw.get("type") != "ECOSYSTEM":
            continue  # GIT ranges name commits, not versions; SEMVER is not PyPI's order
        events = sorted((_event(e, name, bad) for e in raw["events"]), key=_order)
        ranges.append(OsvRange(tuple(events)))
    listed = frozenset(str(text) for text in _list(entry, "versions", bad))
    package = canonical_name(name)
    return Affected(package, tuple(ranges), listed, canonical.get(package))


def _event(raw: Any, name: str, bad: Any) -> Event:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise bad(f"an event of {name} must have exactly one of {[k.value for k in EventKind]}")
    key, value = next(iter(raw.items()))
    try:
        kind = EventKind(key)
    except ValueError:
        raise bad(f"unknown event {key!r} for {name}") from None
    text = str(value)
    if kind is EventKind.INTRODUCED and text == "0":
        return Event(kind, text, None)
    try:
        return Event(kind, text, Version(text))
    except InvalidVersion:
        raise bad(f"{key} version {text!r} of {name} is not a PEP 440 version") from None


_ZERO = Version("0")


def _order(event: Event) -> tuple[bool, Version]:
    """Ascending version order, the "0" introduction before everything."""
    return (event.version is not None, event.version or _ZERO)
