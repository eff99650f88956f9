"""Severity of a vulnerability: CVSS vectors scored by the cvss library, then bucketed."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from assay.core.osv import Severity

__all__ = ["Bucket", "bucket_of", "score_of"]


class Bucket(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        return list(Bucket).index(self)


_WORDS = {
    "critical": Bucket.CRITICAL,
    "high": Bucket.HIGH,
    "moderate": Bucket.MEDIUM,
    "medium": Bucket.MEDIUM,
    "low": Bucket.LOW,
}


def score_of(severity: Iterable[Severity]) -> float | None:
    """The highest CVSS base score among the vectors, or None when none scores."""
    scores = []
    for entry in severity:
        try:
            if entry.kind == "CVSS_V3":
                scores.append(float(CVSS3(entry.score).base_score))
            elif entry.kind == "CVSS_V4":
                scores.append(float(CVSS4(entry.score).base_score))
        except (CVSSError, ValueError, KeyError):
            continue
    return max(scores) if scores else None


def bucket_of(severity: Iterable[Severity]) -> Bucket:
    """CVSS qualitative rating of the highest score; the database's word without one."""
    entries = list(severity)
    score = score_of(entries)
    if score is not None:
        if score >= 9.0:
            return Bucket.CRITICAL
        if score >= 7.0:
            return Bucket.HIGH
        if score >= 4.0:
            return Bucket.MEDIUM
        return Bucket.LOW if score > 0 else Bucket.UNKNOWN
    for entry in entries:
        if entry.kind == "database_specific" and entry.score.lower() in _WORDS:
            return _WORDS[entry.score.lower()]
    return Bucket.UNKNOWN
