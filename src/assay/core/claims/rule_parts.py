"""The parts claim rules are made of: the rule itself, the number pattern, the words
around a number that make it a target or a bound, and the readers of a rule's match
(qualifiers, units, test scopes, kinds of file)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from assay.core.claims.model import ClaimKind

NUMBER = (
    r"(?:[~≈]\s*)?(?<!\d)(?P<n>\d{1,3}(?:,\d{3})+(?:\.\d{1,15})?|\d{1,15}(?:\.\d{1,15})?)"
    r"(?!\d)(?:\+(?!\d))?"
)
"""A number as reports write it: ``1,800``, ``~400`` (about), ``250+`` (at least). It starts
and ends where the digits do, and has at most 15 digits a side: a regular expression that
could start inside a run of digits, or take any length of it, backtracks over a long run
for minutes."""
_NOT_ACHIEVED = re.compile(
    r"(?i)\b(target(?:ed|s)?|goal|aim(?:ing)?|plan(?:ned)?|expect(?:ed)?|should|will|"
    r"threshold|required?|requirement|budget|slo|objective|by next|next sprint)\b"
)
_TARGET_AFTER = re.compile(
    r"(?i)^[\s)]{0,3}(target|goal|budget|threshold|limit|slo|sla|requirement|required)\b"
)
_BELOW = re.compile(
    r"(?i)(under|below|less than|fewer than|at most|no more than|max(?:imum)?|<|≤)\s*$"
)
_ABOVE = re.compile(r"(?i)(over|above|more than|at least|min(?:imum)?|exceed(?:ing)?|>|≥)\s*$")


@dataclass(frozen=True)
class _Rule:
    kind: ClaimKind
    pattern: re.Pattern[str]
    unit: str
    qualifier: Callable[[re.Match[str]], str] = field(default=lambda m: "")
    value: Callable[[re.Match[str]], float | None] | None = None
    subject: Callable[[re.Match[str]], str] = field(default=lambda m: "")
    fallback: bool = False
    """Read only numbers no other rule claimed (a duration, a percentage, a score)."""


def _group(name: str, default: str = "") -> Callable[[re.Match[str]], str]:
    def read(match: re.Match[str]) -> str:
        value = match.groupdict().get(name)
        return (value or default).lower().strip()

    return read


def _latency_qualifier(match: re.Match[str]) -> str:
    word = (match.groupdict().get("q") or "average").lower()
    return {
        "avg": "average",
        "mean": "average",
        "median": "p50",
        "95th percentile": "p95",
        "99th percentile": "p99",
    }.get(word, word)


def _severity(match: re.Match[str]) -> str:
    word = (match.groupdict().get("sev") or "any").lower()
    return "medium" if word == "moderate" else word


def _vulnerability_count(match: re.Match[str]) -> float:
    word = match.group("n").lower()
    return 0.0 if word in ("zero", "no", "none") else _number(word)


_PCT = r"\s*(?:%|percent\b)\+?"
_LAT_Q = r"(?P<q>average|avg|mean|median|p50|p95|p99|95th percentile|99th percentile)"
_SEV = r"(?P<sev>critical|high|medium|moderate|low)"
_VULN_WORDS = r"(?:security\s+)?(?:vulnerabilit(?:y|ies)|vulns?|cves?|security issues)"
_WORD = r"[A-Za-z_][\w/-]*(?:\.\w+)*"
_NAME = r"(?P<subject>`[^`]+`|" + _WORD + r"(?:\s+" + _WORD + r"){0,2})"
_LINES = r"(?:lines?(?:\s+of\s+(?:code|css|python|documentation|docs|tests?))?|LOC|SLOC)\b"
_ADJ = (
    r"(?P<adj>(?:(?!(?:with|and|of|in|for|across|from|to|files?|modules?|lines?|tests?)\b)"
    r"[A-Za-z][\w-]*\s+){0,3}?)"
)
"""Up to three words between a number and what it counts: ``22 comprehensive integration``."""

_MULTIPLIER = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}


def _file_kind(words: str) -> str:
    """What kind of file a count is of, as the report names it."""
    lowered = words.lower()
    for word, kind in (
        ("new", "changed"),
        ("fix", "changed"),
        ("touched", "changed"),
        ("refactor", "changed"),
        ("rewr", "changed"),
        ("migrat", "changed"),
        ("edited", "changed"),
        ("removed", "changed"),
        ("deleted", "changed"),
        ("added", "changed"),
        ("modif", "changed"),
        ("changed", "changed"),
        ("updated", "changed"),
        ("created", "changed"),
        ("test", "test"),
        ("markdown", "markdown"),
        ("doc", "markdown"),
        ("guide", "markdown"),
        ("python", "python"),
        ("source", "source"),
        ("code", "source"),
    ):
        if word in lowered:
            return kind
    return ""


_CHANGED = re.compile(
    r"(?i)(?:\+\s*|\b(?:fixed|updated|modified|migrated|rewr\w+|refactored|converted|removed|"
    r"deleted|excluded|disabled|ignored)\s+(?:\w+\s+)?)$"
)
_OUTCOME = re.compile(r"(?i)\b(passing|passed|failing|failed|skipped|flaky|erroring)\b")


def _test_change_or_outcome(text: str, at: int) -> str:
    """A test count that is a change ("+9 tests", "fixed 57 tests", "updated 22 snapshot
    tests": history, not the tree) or an outcome its clause names ("Passing: 71 tests",
    "Tests skipped during execution (32 tests)")."""
    line = text[text.rfind("\n", 0, at) + 1 : at]
    if _CHANGED.search(line):
        return "change"
    # "Tier System Tests: 33 failures": what the number counts follows it.
    after = re.match(
        r"[\d,.]*\+?\s*(failures?|errors?|failing|failed|skipped)\b",
        text[at : at + 40],
        re.I,
    )
    if after:
        return _test_scope(after.group(1).lower())
    clause = re.split(r"[.;,!?]\s|\|", line)[-1]
    outcome = _OUTCOME.search(clause)
    if outcome:
        return _test_scope(outcome.group(1))
    # "873 additional tests", "646 tests were deselected": a change, or a run's selection
    rest = text[at : at + 60]
    if re.match(r"(?i)[\d,.]+\+?\s+(?:additional|extra|more)\b", rest):
        return "change"
    # (files excluded by name are counted: "Total: 8 tests excluded" beside the files)
    deselected = r"(?i)[\d,.]+\+?\s+tests?\s+(?:were\s+|are\s+)?deselected\b"
    return "failing" if re.match(deselected, rest) else ""


def _outcome_after(match: re.Match[str]) -> str:
    """ "2,739 tests passing", "32 tests skipped": a run's outcome, not a count of the tree;
    "57/57 tests passing" and "all 57 tests passing" count the tests (all of them pass)."""
    before = match.string[max(0, match.start() - 8) : match.start()]
    if re.search(r"(?:/|\ball\s+)$", before, re.I):
        return ""
    after = re.match(
        r"\s*(passing|passed|failing|failed|skipped|erroring|flaky)\b",
        match.string[match.end() : match.end() + 20],
        re.I,
    )
    return _test_scope(after.group(1)) if after else ""


def _test_scope(words: str | None) -> str:
    """What part of the suite a count is of: unit, integration, e2e, or failing tests."""
    found = set(re.findall(r"[a-z-]+", (words or "").lower()))
    failing = {"failing", "failed", "flaky", "skipped", "broken", "pending", "erroring"}
    if found & (failing | {"failure", "failures", "error", "errors"}):
        return "failing"
    if found & {"passed", "passing", "successful"}:
        return "run"
    for scope in ("unit", "integration", "e2e", "end-to-end"):
        if scope in found:
            return "e2e" if scope == "end-to-end" else scope
    return ""


def _bytes_in_mb(match: re.Match[str]) -> float:
    unit = match.group("u").upper().replace("I", "")
    return _number(match.group("n")) * {"KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}[unit]


def _minutes(match: re.Match[str]) -> float:
    unit = match.group("u").lower()
    scale = 1.0
    if unit in ("ms", "milliseconds"):
        scale = 1 / 60000
    elif unit.startswith("s"):
        scale = 1 / 60
    elif unit.startswith("h"):
        scale = 60.0
    return _number(match.group("n")) * scale


def _recovery_name(word: str) -> str:
    lowered = word.lower()
    if lowered.startswith(("rpo", "recovery point")):
        return "rpo"
    if lowered.startswith(("rto", "recovery time")):
        return "rto"
    return lowered.split()[0]


def _pytest_total(match: re.Match[str]) -> float:
    """A pytest summary (``132 passed, 1 skipped``) claims the tests that ran: every
    outcome but deselected tests and warnings."""
    total = _number(match.group("n"))
    for count, word in re.findall(r"(\d+)\s+([a-z]+)", match.group("rest") or ""):
        if not word.startswith(("warning", "deselected")):
            total += int(count)
    return total


_TO_MS = {
    "ns": 1e-6,
    "µs": 1e-3,
    "us": 1e-3,
    "s": 1000.0,
    "sec": 1000.0,
    "secs": 1000.0,
    "seconds": 1000.0,
    "min": 60000.0,
    "mins": 60000.0,
    "minutes": 60000.0,
}


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _decimals(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


_WINDOW = 400
"""How much of the text around a number its claim reads (the clause before, the list
after): a claim's words are near it, and reading a whole long paragraph for each number
would make a paragraph of many numbers cost time quadratic in its length."""
