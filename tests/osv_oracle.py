"""A second, independent reading of OSV ECOSYSTEM ranges, for checking the matcher.

The matcher walks events as a state machine; this oracle turns the events into closed and
half-open intervals first and then tests membership with plain PEP 440 comparisons.
"""

from __future__ import annotations

from packaging.version import Version

from assay.core.osv import EventKind, OsvRange

Interval = tuple[Version | None, Version | None, bool]
"""(lower bound inclusive or None for everything, upper bound or None, upper inclusive)."""


def intervals(osv_range: OsvRange) -> list[Interval]:
    result: list[Interval] = []
    start: Version | None = None
    opened = False
    for event in osv_range.events:
        if event.kind is EventKind.INTRODUCED:
            if not opened:
                start, opened = event.version, True
        elif event.kind in (EventKind.FIXED, EventKind.LAST_AFFECTED) and opened:
            result.append((start, event.version, event.kind is EventKind.LAST_AFFECTED))
            opened = False
    if opened:
        result.append((start, None, False))
    return result


def covers(osv_range: OsvRange, version: Version) -> bool:
    limits = [e.version for e in osv_range.events if e.kind is EventKind.LIMIT and e.version]
    if limits and all(version >= limit for limit in limits):
        return False
    for low, high, inclusive in intervals(osv_range):
        above = low is None or version >= low
        below = high is None or (version <= high if inclusive else version < high)
        if above and below:
            return True
    return False
