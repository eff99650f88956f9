"""Quantitative claims of completion reports: finding them in text, judging them.

Extraction works on segments of a parsed Markdown document (a paragraph, a list item, a
heading, a table row read as "metric: achieved value"). Each rule pairs a number with the
words that say what it measures; a number that is a target, a goal or a plan is not a
claim. Judging compares a claim with a measurement and a tolerance fitting its kind.
"""

from __future__ import annotations

import bisect
import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

__all__ = [
    "Claim",
    "ClaimKind",
    "ClaimResult",
    "Measured",
    "Segment",
    "Unmeasured",
    "Verdict",
    "extract_claims",
    "judge_claim",
    "self_contradiction",
]


class ClaimKind(enum.StrEnum):
    COVERAGE = "coverage"
    TEST_COUNT = "test-count"
    PASS_RATE = "pass-rate"
    VULNERABILITIES = "vulnerabilities"
    LATENCY = "latency"
    THROUGHPUT = "throughput"
    ERROR_RATE = "error-rate"
    AVAILABILITY = "availability"
    LINE_COUNT = "line-count"
    ENDPOINT_COUNT = "endpoint-count"
    FILE_COUNT = "file-count"
    COMPLETION = "completion"
    SCORE = "score"
    OVERHEAD = "overhead"
    MODULE_COUNT = "module-count"
    MEMORY = "memory"
    RECOVERY = "recovery"
    SIGNOFF = "signoff"


class Verdict(enum.StrEnum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    UNVERIFIABLE = "unverifiable"


@dataclass(frozen=True)
class Segment:
    """A piece of the report's text with its line (1-based) and the heading above it."""

    text: str
    line: int
    heading: str = ""
    kind: str = "prose"
    """prose, list, heading or table."""


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    value: float | None
    """None for a claim without a number ("certified", "grade A+")."""
    unit: str
    text: str
    line: int
    qualifier: str = ""
    """Severity, latency statistic, score name."""
    subject: str = ""
    """What a line count is of."""
    comparator: str = "="
    """``=``, ``~`` (about), ``<=`` (under, at most) or ``>=`` (over, at least)."""
    decimals: int = 0
    """Decimals as written: they set the tolerance of a percentage."""
    items: tuple[str, ...] = ()
    """The things counted, when the report lists them: ``6 components (Button, Card, ...)``."""


@dataclass(frozen=True)
class Measured:
    value: float
    source: str
    """Where the figure comes from (evidence, a file, the tree)."""


@dataclass(frozen=True)
class Unmeasured:
    needs: str
    """The evidence that would settle the claim."""


Measurement = Measured | Unmeasured


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    verdict: Verdict
    measured: float | None
    explanation: str
    evidence: str = ""


# --- extraction -----------------------------------------------------------------------------

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

_RULES: tuple[_Rule, ...] = (
    _Rule(
        ClaimKind.COVERAGE,
        re.compile(
            NUMBER + _PCT + r"\s+(?:(?:test|code|line|branch|unit|statement)\s+){0,2}coverage", re.I
        ),
        "%",
    ),
    _Rule(ClaimKind.COVERAGE, re.compile(r"coverage\b[^.\d%\n]{0,40}?" + NUMBER + _PCT, re.I), "%"),
    _Rule(
        ClaimKind.PASS_RATE,
        re.compile(
            r"\ball\s+(?:" + NUMBER + r"\s+)?(?:\w+\s+)?tests?\s+(?:are\s+)?pass(?:ing|ed|es)?\b",
            re.I,
        ),
        "%",
        value=lambda m: 100.0,
    ),
    _Rule(
        ClaimKind.PASS_RATE,
        re.compile(NUMBER + _PCT + r"\s+(?:test\s+)?pass(?:ing)?\s+rate", re.I),
        "%",
    ),
    _Rule(ClaimKind.PASS_RATE, re.compile(r"pass\s+rate[^\d\n]{0,20}" + NUMBER + _PCT, re.I), "%"),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(
            r"(?P<subject>(?:[A-Za-z`][\w`./-]*\s+){0,3}?)tests?(?:\s+(?!for\b)[A-Za-z]+){0,2}"
            r"(?:\s+for\s+(?P<for>[\w ./-]{1,40}?))?"
            r"\s*\(\s*" + NUMBER + r"\s*(?:total|tests?|passing|passed)?\s*\)",
            re.I,
        ),
        "tests",
        qualifier=lambda m: _test_scope(m.group("subject")),
        subject=lambda m: (m.group("for") or m.group("subject") or "").strip("` "),
    ),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(
            NUMBER + r"\s+" + _ADJ + r"(?:test\s+cases?|tests?|test\s+functions?|test\s+methods?)\b"
            r"(?!\s+(?:files?|suites?|modules?|classes)\b)",
            re.I,
        ),
        "tests",
        qualifier=lambda m: _test_scope(m.group("adj")) or _outcome_after(m),
    ),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(r"\bcollected\s+" + NUMBER + r"\s+items?\b", re.I),
        "tests",
    ),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(
            r"\b(?P<q>unit|integration|e2e|end-to-end|failed|failing|skipped|flaky|passed|"
            r"passing|successful)?\s*(?:test\s+cases|tests|test\s+count)\s*:\s*"
            + NUMBER
            + r"(?!\+?\s*(?:%|/|files?|lines|suites))",
            re.I,
        ),
        "tests",
        qualifier=lambda m: _test_scope(m.group("q")),
    ),
    _Rule(
        ClaimKind.VULNERABILITIES,
        re.compile(
            r"(?P<n>\d+|zero|no|none)\s+" + _SEV + r"(?:[- ]severity)?\s+" + _VULN_WORDS, re.I
        ),
        "vulnerabilities",
        qualifier=_severity,
        value=_vulnerability_count,
    ),
    _Rule(
        ClaimKind.VULNERABILITIES,
        re.compile(r"(?P<n>\d+|zero|no)\s+(?:known\s+)?" + _VULN_WORDS, re.I),
        "vulnerabilities",
        qualifier=_severity,
        value=_vulnerability_count,
    ),
    _Rule(
        ClaimKind.VULNERABILITIES,
        re.compile(_SEV + r"\s+" + _VULN_WORDS + r"\s*:\s*(?P<n>\d+|zero|none)", re.I),
        "vulnerabilities",
        qualifier=_severity,
        value=_vulnerability_count,
    ),
    _Rule(
        ClaimKind.LATENCY,
        re.compile(
            NUMBER
            + r"\s*(?P<u>ms|milliseconds|s|seconds)\s+(?:"
            + _LAT_Q
            + r"\s+)?(?:response\s+times?|latency)",
            re.I,
        ),
        "ms",
        qualifier=_latency_qualifier,
    ),
    _Rule(
        ClaimKind.LATENCY,
        re.compile(
            _LAT_Q
            + r"\s+(?:response\s+times?|latency)[^\d\n]{0,20}"
            + NUMBER
            + r"\s*(?P<u>ms|milliseconds|s|seconds)\b",
            re.I,
        ),
        "ms",
        qualifier=_latency_qualifier,
    ),
    _Rule(
        ClaimKind.LATENCY,
        re.compile(
            r"(?:response\s+times?|latency)\s*\(?"
            + _LAT_Q
            + r"?\)?[^\d\n]{0,20}"
            + NUMBER
            + r"\s*(?P<u>ms|milliseconds|s|seconds)\b",
            re.I,
        ),
        "ms",
        qualifier=_latency_qualifier,
    ),
    _Rule(
        ClaimKind.THROUGHPUT,
        re.compile(
            NUMBER + r"\s*(?P<mult>[KkM]\b|[KkM](?=\s*(?:req|rps|ops|qps))|thousand|million)?\s*"
            r"(?:[\w-]+\s+)?(?:req/s|requests?\s*/\s*s(?:ec(?:ond)?)?|requests\s+per\s+second|rps|"
            r"ops\s*/\s*s(?:ec)?|operations\s+per\s+second|queries\s*/\s*s(?:ec)?|qps|tps|"
            r"(?:messages|events|msgs)\s*/\s*s(?:ec)?)\b",
            re.I,
        ),
        "req/s",
        value=lambda m: _number(m.group("n")) * _MULTIPLIER.get((m.group("mult") or "").lower(), 1),
    ),
    _Rule(ClaimKind.ERROR_RATE, re.compile(NUMBER + _PCT + r"\s+error\s+rate", re.I), "%"),
    _Rule(
        ClaimKind.ERROR_RATE, re.compile(r"error\s+rate[^\d\n]{0,20}" + NUMBER + _PCT, re.I), "%"
    ),
    _Rule(
        ClaimKind.AVAILABILITY, re.compile(NUMBER + _PCT + r"\s+(?:availability|uptime)", re.I), "%"
    ),
    _Rule(
        ClaimKind.AVAILABILITY,
        re.compile(r"(?:availability|uptime)[^\d\n]{0,20}" + NUMBER + _PCT, re.I),
        "%",
    ),
    _Rule(
        ClaimKind.LINE_COUNT,
        re.compile(
            r"(?:" + _NAME + r"\s*(?:\(|:|—|–|-|,|is|has)?\s*)?" + NUMBER + r"\s*" + _LINES, re.I
        ),
        "lines",
        subject=lambda m: (m.group("subject") or "").strip("`").strip(),
    ),
    _Rule(
        ClaimKind.LINE_COUNT,
        re.compile(r"\b" + _LINES + r"\s*:\s*" + NUMBER + r"(?!\s*%)", re.I),
        "lines",
    ),
    _Rule(
        ClaimKind.ENDPOINT_COUNT,
        re.compile(
            NUMBER + r"\s+(?:[A-Za-z][\w-]*\s+){0,3}?(?:endpoints|routes|api\s+routes)\b",
            re.I,
        ),
        "endpoints",
    ),
    _Rule(
        ClaimKind.ENDPOINT_COUNT,
        re.compile(r"\bendpoints?\s*\(\s*" + NUMBER + r"\s*(?:total)?\s*\)", re.I),
        "endpoints",
    ),
    _Rule(
        ClaimKind.FILE_COUNT,
        re.compile(
            r"(?P<subject>(?:[A-Za-z][\w-]*\s+){1,3}?)(?:created|added|written|updated|"
            r"implemented)?\s*\(\s*" + NUMBER + r"\s+files?\b",
            re.I,
        ),
        "files",
        qualifier=lambda m: _file_kind(m.group("subject")),
        subject=lambda m: m.group("subject").strip(),
    ),
    _Rule(
        ClaimKind.FILE_COUNT,
        re.compile(
            r"(?:\b(?:fixed|modified|updated|changed|created|added|touched|refactored|rewr\w+|"
            r"migrated|edited|removed|deleted)\s+)?"
            r"(?<![/\d])" + NUMBER + r"\s+(?P<adj>(?:[A-Za-z][\w-]*\s+){0,3}?)"
            r"(?:files?|test\s+suites?|docs|guides)\b",
            re.I,
        ),
        "files",
        qualifier=lambda m: _file_kind(m.group(0)),
    ),
    _Rule(
        ClaimKind.COMPLETION,
        re.compile(NUMBER + _PCT + r"\s+(?:complete[d]?|done|finished)\b", re.I),
        "%",
    ),
    _Rule(ClaimKind.COMPLETION, re.compile(r"completion[^\d\n]{0,20}" + NUMBER + _PCT, re.I), "%"),
    _Rule(
        ClaimKind.SCORE,
        re.compile(
            r"(?P<q>quality|maintainability|health|code)\s+score[^\d\n]{0,15}" + NUMBER, re.I
        ),
        "",
        qualifier=_group("q"),
    ),
    _Rule(
        ClaimKind.SCORE,
        re.compile(
            r"(?P<q>power[- ]of[- ]ten\s+compliance|compliance)[^\d\n]{0,15}" + NUMBER + r"\s*%",
            re.I,
        ),
        "%",
        qualifier=lambda m: "compliance",
    ),
    _Rule(
        ClaimKind.SCORE,
        re.compile(
            r"(?P<q>sigma)(?:\s+level)?[^\d\n]{0,10}"
            + NUMBER
            + r"|"
            + r"(?P<n2>\d+(?:\.\d+)?)\s*(?:σ|sigma)\b",
            re.I,
        ),
        "",
        qualifier=lambda m: "sigma",
        value=lambda m: _number(m.group("n") or m.group("n2")),
    ),
    _Rule(
        ClaimKind.SCORE,
        re.compile(
            r"\b(?:grade|rated|rating)\s*[:\-]?\s*(?P<g>[A-F][+-]?)(?![\w])|\b(?P<c>production[- ]certified|certified)\b",
            re.I,
        ),
        "",
        qualifier=lambda m: "grade" if m.group("g") else "certified",
        value=lambda m: None,
    ),
    _Rule(
        ClaimKind.OVERHEAD,
        re.compile(
            NUMBER
            + _PCT
            + r"\s+(?:(?:performance|runtime|cpu|memory|latency|pipeline|ci|build|total)\s+)?overhead",
            re.I,
        ),
        "%",
    ),
    _Rule(ClaimKind.OVERHEAD, re.compile(r"overhead[^\d\n]{0,30}" + NUMBER + _PCT, re.I), "%"),
    _Rule(
        ClaimKind.MODULE_COUNT,
        re.compile(
            NUMBER + r"\s+" + _ADJ + r"(?:modules?|packages|services|components?|classes|stages)\b",
            re.I,
        ),
        "modules",
    ),
    _Rule(
        ClaimKind.MEMORY,
        re.compile(
            NUMBER + r"\s*(?P<u>[KMG]i?B|[KMG]B)\b[^.\n]{0,20}?\b(?:memory|ram|heap|rss|footprint)",
            re.I,
        ),
        "MB",
        value=lambda m: _bytes_in_mb(m),
    ),
    _Rule(
        ClaimKind.MEMORY,
        re.compile(
            r"\b(?:memory|ram|heap|rss)(?:\s+(?:usage|use|footprint|consumption))?[^\d\n]{0,25}?"
            + NUMBER
            + r"\s*(?P<u>[KMG]i?B|[KMG]B)\b",
            re.I,
        ),
        "MB",
        value=lambda m: _bytes_in_mb(m),
    ),
    _Rule(
        ClaimKind.RECOVERY,
        re.compile(
            r"\b(?P<q>RTO|RPO|recovery\s+time(?:\s+objective)?|recovery\s+point(?:\s+objective)?|"
            r"failover(?:\s+time)?|restore\s+time|mttr)\b[^\d\n]{0,30}?"
            + NUMBER
            + r"\s*(?P<u>ms|milliseconds|s|sec|seconds|min|mins|minutes|h|hr|hrs|hours)\b",
            re.I,
        ),
        "minutes",
        qualifier=lambda m: _recovery_name(m.group("q")),
        value=lambda m: _minutes(m),
    ),
    _Rule(
        ClaimKind.SIGNOFF,
        re.compile(
            r"(?P<n>\d+)\s*/\s*(?P<of>\d+)\s+(?:\w+\s+)?(?:roles?|sign[- ]?offs?|approvals?|"
            r"approvers?|reviewers?|signatures?)\b",
            re.I,
        ),
        "sign-offs",
        value=lambda m: _number(m.group("n")),
    ),
    _Rule(
        ClaimKind.SIGNOFF,
        re.compile(r"sign[- ]?off[^\d\n]{0,30}?" + NUMBER + _PCT, re.I),
        "%",
    ),
    _Rule(
        ClaimKind.PASS_RATE,
        re.compile(
            r"(?P<n>\d+)\s*/\s*(?P<of>\d+)\s+(?:(?:unit|integration|e2e|automated)\s+)?"
            r"(?:tests?\s+|test\s+cases\s+)?(?:are\s+)?pass(?:ing|ed|es)?\b",
            re.I,
        ),
        "%",
        value=lambda m: 100 * _number(m.group("n")) / max(_number(m.group("of")), 1),
    ),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(
            r"(?P<n>\d+)\s*/\s*(?P<of>\d+)\s+(?:(?:unit|integration|e2e|automated)\s+)?"
            r"(?:tests?|test\s+cases)\b",
            re.I,
        ),
        "tests",
        value=lambda m: _number(m.group("of")),
    ),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(
            r"(?<![\w/.])" + NUMBER + r"\s+passed\b(?P<rest>(?:,?\s*\d+\s+"
            r"(?:failed|skipped|errors?|xfailed|xpassed|warnings?|deselected))*)",
            re.I,
        ),
        "tests",
        qualifier=lambda m: "run",
        value=lambda m: _pytest_total(m),
    ),
    _Rule(
        ClaimKind.COVERAGE,
        re.compile(
            r"^(?P<subject>[\w./-]+\.py|TOTAL)\s+\d+\s+\d+\s+(?:\d+\s+\d+\s+)?" + NUMBER + r"%",
            re.M,
        ),
        "%",
        subject=lambda m: "" if m.group("subject") == "TOTAL" else m.group("subject"),
    ),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(r"\btests?\b[^\d\n/]{0,20}(?P<n>\d+)\s*/\s*(?P<of>\d+)\b(?!\s*%)", re.I),
        "tests",
        value=lambda m: _number(m.group("of")),
    ),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(NUMBER + r"\s+" + _ADJ + r"benchmarks?(?:\s+functions?)?\b", re.I),
        "benchmarks",
        qualifier=lambda m: "benchmark",
    ),
    _Rule(
        ClaimKind.COVERAGE,
        re.compile(NUMBER + _PCT + r"\s+" + _ADJ + r"coverage\b", re.I),
        "%",
    ),
    _Rule(
        ClaimKind.FILE_COUNT,
        re.compile(
            r"\b(?P<q>(?:[A-Za-z]+\s+)?)(?:files|test\s+suites|docs)\s*:\s*" + NUMBER + r"(?!\s*%)",
            re.I,
        ),
        "files",
        qualifier=lambda m: _file_kind(m.group(0)),
    ),
    _Rule(
        ClaimKind.MODULE_COUNT,
        re.compile(
            r"\b(?:modules|packages|components|classes|services)\s*:\s*" + NUMBER + r"(?!\s*%)",
            re.I,
        ),
        "modules",
    ),
    _Rule(
        ClaimKind.PASS_RATE,
        re.compile(
            r"\b(?:success|passing|pass)\s+rate[^\d\n]{0,20}"
            + NUMBER
            + _PCT
            + r"|"
            + NUMBER.replace("<n>", "<n2>")
            + _PCT
            + r"\s+(?:test\s+)?(?:success|passing)(?:\s+rate)?\b",
            re.I,
        ),
        "%",
        value=lambda m: _number(m.group("n") or m.group("n2")),
    ),
    _Rule(
        ClaimKind.PASS_RATE,
        re.compile(
            r"\(?\ball\s+(?:\w+\s+)?(?:passing|passed|pass|successful|succeeded|green)\b\)?", re.I
        ),
        "%",
        value=lambda m: 100.0,
    ),
    _Rule(
        ClaimKind.SCORE,
        re.compile(
            r"\bscore[^\d\n]{0,25}?(?P<n>\d+(?:\.\d+)?)\s*/\s*(?P<of>\d+)"
            r"|(?P<n2>\d+(?:\.\d+)?)\s*/\s*(?P<of2>\d+)\s+(?:[\w-]+\s+){0,3}score\b",
            re.I,
        ),
        "points",
        qualifier=lambda m: "score",
        value=lambda m: _number(m.group("n") or m.group("n2")),
    ),
)


_EXTRA: tuple[_Rule, ...] = (
    _Rule(
        ClaimKind.PASS_RATE,
        re.compile(
            r"\bpass(?:ing|ed)\s*\(\s*" + NUMBER + _PCT + r"\s*\)"
            r"|\bsuccess(?:\s+rate)?\s*:?\s*" + NUMBER.replace("<n>", "<n2>") + _PCT,
            re.I,
        ),
        "%",
        value=lambda m: _number(m.group("n") or m.group("n2")),
    ),
    _Rule(
        ClaimKind.OVERHEAD,
        re.compile(
            NUMBER + r"\s*[x×]\s+(?P<q>faster|speedup|speed-up|better|improvement|slower)", re.I
        ),
        "x",
        qualifier=lambda m: "speedup",
    ),
    _Rule(
        ClaimKind.SCORE,
        re.compile(
            r"\b(?P<zero>no|zero)\s+(?:TODO|FIXME)s?\b|(?P<n>\d+)\s+(?:TODO|FIXME)s?\b"
            r"|\b(?:TODO|FIXME)s?(?:\s+comments?)?\s*:?\s*(?:✅\s*)?(?P<n2>\d+)\b"
            r"|\bTODO\b[^\n]{0,40}?\((?P<n3>\d+)\s+found\)",
            re.I,
        ),
        "",
        qualifier=lambda m: "todos",
        value=lambda m: (
            0.0 if m.group("zero") else _number(m.group("n") or m.group("n2") or m.group("n3"))
        ),
    ),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(NUMBER + r"\s+" + _ADJ + r"(?:failures|failing\s+tests|failed\s+tests)\b", re.I),
        "tests",
        qualifier=lambda m: "failing",
    ),
    _Rule(
        ClaimKind.TEST_COUNT,
        re.compile(r"\bbenchmarks?\b[^\d\n/]{0,20}(?P<n>\d+)\s*/\s*(?P<of>\d+)\b", re.I),
        "benchmarks",
        qualifier=lambda m: "benchmark",
        value=lambda m: _number(m.group("of")),
    ),
)


# Numbers no rule above claimed: read for what they most likely are, so that no figure
# of a report goes unread. None of these kinds can be supported by the report itself.
_FALLBACKS: tuple[_Rule, ...] = (
    _Rule(
        ClaimKind.COMPLETION,
        re.compile(
            r"(?P<n>\d+)\s*/\s*(?P<of>\d+)(?=[^\n]{0,40}\b(?:complete|completed|done|implemented|"
            r"resolved|met|finished)\b)|\b(?:complete|completed|done|implemented|resolved|met|"
            r"finished)\b[^\d\n]{0,20}\(?(?P<n2>\d+)\s*/\s*(?P<of2>\d+)",
            re.I,
        ),
        "%",
        value=lambda m: (
            100
            * _number(m.group("n") or m.group("n2"))
            / max(_number(m.group("of") or m.group("of2")), 1)
        ),
        fallback=True,
    ),
    _Rule(
        ClaimKind.SCORE,
        re.compile(r"(?<![\d.])(?P<n>\d+(?:\.\d+)?)\s*/\s*(?P<of>\d+)(?![\d/])"),
        "points",
        qualifier=lambda m: "score",
        fallback=True,
    ),
    _Rule(
        ClaimKind.LATENCY,
        re.compile(
            r"(?:[<>≤≥~≈]\s*)?(?P<n>\d+(?:\.\d+)?)\s*(?P<u>ns|µs|us|ms|milliseconds|s|secs?|seconds|"
            r"min|mins|minutes)\b(?!\s*/)",
            re.I,
        ),
        "ms",
        qualifier=lambda m: "duration",
        fallback=True,
    ),
    _Rule(
        ClaimKind.COMPLETION,
        re.compile(r"(?:[<>≤≥~≈]\s*)?" + NUMBER + _PCT, re.I),
        "%",
        fallback=True,
    ),
    _Rule(
        ClaimKind.SCORE,
        re.compile(
            r"(?<![\w.,/])" + NUMBER + r"\s+" + _ADJ + r"(?P<noun>hooks?|packages|dependencies|"
            r"rules?|alerts?|categories|groups?|words|code\s+blocks?|diagrams?|tables?|rows?|"
            r"errors?|warnings?|todos?|fixmes?|commits?|issues?|bugs?|checks?|scenarios?|"
            r"cases?|assertions?|metrics?|dashboards?|runbooks?|requirements?|features?|"
            r"workflows?|jobs?|steps?|examples?|guides?|props?|variants?)\b",
            re.I,
        ),
        "",
        qualifier=lambda m: m.group("noun").lower(),
        fallback=True,
    ),
)


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


class _Spans:
    """Spans of a text already read as claims, by kind; overlaps found by bisection, so a
    paragraph of thousands of numbers costs no time quadratic in them."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int, ClaimKind]] = []
        self._longest = 0

    def add(self, start: int, end: int, kind: ClaimKind) -> None:
        bisect.insort(self._spans, (start, end, kind))
        self._longest = max(self._longest, end - start)

    def kinds_over(self, start: int, end: int) -> set[ClaimKind]:
        """The kinds of the spans that overlap ``start:end``."""
        low = bisect.bisect_left(self._spans, (start - self._longest,))
        high = bisect.bisect_left(self._spans, (end,))
        return {k for a, b, k in self._spans[low:high] if a < end and start < b}


def extract_claims(segments: Iterable[Segment]) -> list[Claim]:
    """Every claim in the segments, once per kind, value and line."""
    claims: list[Claim] = []
    seen: set[tuple[ClaimKind, float | None, int, str]] = set()
    for segment in segments:
        text = _clean(segment.text)
        used = _Spans()
        for rule in (*_RULES, *_EXTRA, *_FALLBACKS):
            for match in rule.pattern.finditer(text):
                span = _span(match)
                # A number is one claim of a kind: the first rule to read it names what
                # it is of; a fallback reads only numbers no rule read.
                taken = used.kinds_over(*span)
                if taken and (rule.fallback or rule.kind in taken):
                    continue
                before = text[max(0, match.start() - 40) : match.start()]
                before = re.split(r"[;\n]", before)[-1]
                inside = text[match.start() : match.end()]
                after = text[match.end() : match.end() + 16]
                if (
                    _NOT_ACHIEVED.search(before)
                    or _NOT_ACHIEVED.search(inside)
                    or _TARGET_AFTER.match(after)
                ):
                    continue
                claim = _claim(rule, match, text, segment)
                if claim is None:
                    continue
                used.add(*span, claim.kind)
                own = _OWN_FRACTION.match(text, match.end())
                if own:
                    used.add(*own.span(), claim.kind)
                key = (claim.kind, claim.value, claim.line, claim.qualifier + claim.subject)
                if key in seen or _less_specific(claim, claims):
                    continue
                seen.add(key)
                claims.append(claim)
    return claims


_OWN_FRACTION = re.compile(r"[^()\n\d]{0,20}\(\s*\d+\s*/\s*\d+[^)]*\)")
"""``95% (19/20 tasks)``: the fraction is the percentage's own, not a second claim."""


def _span(match: re.Match[str]) -> tuple[int, int]:
    """Where the claim's number is (the whole match for claims without one)."""
    if match.groupdict().get("n") is not None:
        return match.span("n")
    return match.span()


def _less_specific(claim: Claim, found: list[Claim]) -> bool:
    """A latency read as the default "average" where a rule already read its statistic."""
    return (
        claim.kind is ClaimKind.LATENCY
        and claim.qualifier == "average"
        and any(
            c.kind is ClaimKind.LATENCY and c.line == claim.line and c.value == claim.value
            for c in found
        )
    )


def _claim(rule: _Rule, match: re.Match[str], text: str, segment: Segment) -> Claim | None:
    raw = match.groupdict().get("n")
    if rule.value is not None:
        value = rule.value(match)
    elif raw is None:
        return None
    else:
        value = _number(raw)
    unit = rule.unit
    if rule.fallback:
        rule, value, unit = _in_context(rule, match, text, segment, value)
    if rule.kind is ClaimKind.COVERAGE and _NOT_TEST_COVERAGE.search(
        text[max(0, match.start() - 30) : match.end()]
    ):
        # Documentation, type or requirement "coverage" is not test coverage.
        rule = _Rule(ClaimKind.COMPLETION, rule.pattern, "%", fallback=True)
    if rule.kind is ClaimKind.LATENCY and value is not None:
        value = value * _TO_MS.get((match.groupdict().get("u") or "ms").lower(), 1.0)
    anchor = match.start("n") if raw and match.groupdict().get("n") else match.start()
    before = text[max(0, anchor - _WINDOW) : anchor]
    comparator = "="
    plus = bool(raw) and text[match.end("n") : match.end("n") + 1] == "+"
    if plus:  # "~2,100+" is at least 2,100
        comparator = ">="
    elif re.search(
        r"(?:[~≈]|\babout|\bapprox(?:imately|\.)?|\baround|\broughly)\s*$", before[-40:], re.I
    ):
        comparator = "~"
    elif _BELOW.search(before[-20:]):
        comparator = "<="
    elif _ABOVE.search(before[-20:]):
        comparator = ">="
    subject = rule.subject(match)
    qualifier = rule.qualifier(match)
    if rule.kind in _SCOPED_KINDS:
        tests = rule.kind is ClaimKind.TEST_COUNT
        subject = _count_subject(text, match, segment, tests=tests) or _subject_words(subject)
        if rule.kind is not ClaimKind.FILE_COUNT:
            subject = subject or _heading_file(segment) or _heading_class(segment)
        label = text.split(":", 1)[0].strip().lower() if segment.kind == "table" else ""
        if rule.kind is ClaimKind.TEST_COUNT and not qualifier and not subject:
            scope = re.match(r"(unit|integration|e2e|end-to-end)\b", label)
            qualifier = _test_scope(scope.group(1)) if scope else qualifier
        if rule.kind is ClaimKind.TEST_COUNT and not qualifier:
            qualifier = _test_change_or_outcome(text, match.start("n") if raw else match.start())
    if rule.kind is ClaimKind.LINE_COUNT:
        start = match.start("n")
        subject = _line_subject(text[max(0, start - _WINDOW) : start], subject)
        subject = subject or _heading_file(segment)
    at = match.start("n") if raw else match.start()
    line = segment.line + text.count("\n", 0, at)
    end = text.find("\n", at)
    sentence = text[text.rfind("\n", 0, at) + 1 : end if end >= 0 else len(text)]
    return Claim(
        kind=rule.kind,
        value=value,
        unit=unit,
        text=sentence.strip()[:300],
        line=line,
        qualifier=qualifier,
        subject=subject,
        comparator=comparator,
        decimals=_decimals(raw) if raw else 0,
        items=_listed(text[match.end() : match.end() + _WINDOW]) if rule.kind in _LISTABLE else (),
    )


_WINDOW = 400
"""How much of the text around a number its claim reads (the clause before, the list
after): a claim's words are near it, and reading a whole long paragraph for each number
would make a paragraph of many numbers cost time quadratic in its length."""


_NOT_TEST_COVERAGE = re.compile(
    r"(?i)\b(jsdoc|godoc|javadoc|docstrings?|documentation|docs?|type|types|typescript|typing|"
    r"requirements?|features?|api\s+docs)\b"
)


def _in_context(
    rule: _Rule, match: re.Match[str], text: str, segment: Segment, value: float | None
) -> tuple[_Rule, float | None, str]:
    """What a bare figure measures, from the words of its line and section: a percentage
    under a coverage heading is coverage, ``12/12`` in a section on tests is a test count."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    context = f"{segment.heading} {text[line_start : match.start()]}".lower()
    if rule.kind is ClaimKind.COMPLETION and rule.unit == "%" and "coverage" in context:
        return _Rule(ClaimKind.COVERAGE, rule.pattern, "%", fallback=True), value, "%"
    fraction = match.groupdict().get("of")
    if rule.kind is ClaimKind.SCORE and fraction and re.search(r"\btests?\b|\btesting\b", context):
        return _Rule(ClaimKind.TEST_COUNT, rule.pattern, "tests"), _number(fraction), "tests"
    return rule, value, rule.unit


_LISTABLE = {ClaimKind.MODULE_COUNT, ClaimKind.FILE_COUNT, ClaimKind.ENDPOINT_COUNT}
_LIST = re.compile(r"^[^()\n]{0,30}?\(([^()\n]{2,300})\)")
_ITEM = re.compile(r"^`?[A-Za-z_][\w.-]*`?$")


def _listed(after: str) -> tuple[str, ...]:
    """Names in parentheses after a count (``(Button, Card, Input)``): the things counted.
    Only a list of single names counts; prose in parentheses does not."""
    found = _LIST.match(after)
    if not found:
        return ()
    parts = [p.strip() for p in re.split(r",|\band\b", found.group(1)) if p.strip()]
    if len(parts) < 2 or not all(_ITEM.match(p) for p in parts):
        return ()
    return tuple(p.strip("`") for p in parts)


_SCOPED_KINDS = {
    ClaimKind.TEST_COUNT,
    ClaimKind.ENDPOINT_COUNT,
    ClaimKind.MODULE_COUNT,
    ClaimKind.FILE_COUNT,
}
_METRIC_LABEL = re.compile(
    r"(?i)\b(tests?|testing|coverage|total|overall|all|pass|passing|endpoints?|routes?|lines?|"
    r"files?|modules?|metrics?|count|suite|unit|integration|e2e|summary|results?|status|api|"
    r"apis|rest|http|backend|frontend|server|score|quality)\b"
)


_TEST_LABEL = re.compile(
    r"(?i)\b(tests?|testing|coverage|total|overall|all|pass|passing|passed|failed|failing|"
    r"skipped|suite|suites|unit|integration|e2e|summary|results?|status|count|score|quality)\b"
)


_NOT_A_SUBJECT = re.compile(
    r"(?i)\b(total|all|tests?|comprehensive|passing|passed|implemented|new|unit|integration|"
    r"e2e|end-to-end|the|our|and|with|suite|cases?|functions?|automated|full)\b"
)


def _subject_words(words: str) -> str:
    """Words of a rule's subject that name something, not the count itself."""
    return " ".join(_NOT_A_SUBJECT.sub(" ", words.strip("`* ")).split())


def _count_subject(
    text: str, match: re.Match[str], segment: Segment, *, tests: bool = False
) -> str:
    """What a count is of: a file or folder the clause names (``test_api.py (14 tests)``,
    ``14 tests in tests/unit``), or the row's label in a table (``User Service: 14``);
    empty for the whole project."""
    start, end = match.start(), match.end()
    while start < end and not text[start].isspace() and start and not text[start - 1].isspace():
        start += 1  # a match that begins inside a name (``*.css (5 files``) reads all of it
    clause = re.split(r"[.;!?]\s+(?=[A-Z`])|;\s*|\n", text[max(0, start - _WINDOW) : start])[-1]
    names = [n for n in _names(clause[-80:]) if _PATH_LIKE.search(n)]
    if names:
        return names[-1]
    classes = re.findall(r"`?\b(Test[A-Z]\w*)\b`?", clause[-80:])
    if classes:
        return f"class {classes[-1]}"
    owner = re.match(r"\s+for\s+`?([A-Z][a-z]+(?:[A-Z][a-z0-9]*)+)`?(?=[\s.,;:)]|$)", text[end:])
    if owner:  # "9 tests for AccessMetricsCalculator": its test class
        name = owner.group(1)
        return f"class {name if name.startswith('Test') else 'Test' + name}"
    after = re.match(r"\s+(?:in|across|under|for|of)\s+(\S+)", text[end : end + _WINDOW])
    if after:
        named = [n for n in _names(after.group(1)) if _PATH_LIKE.search(n)]
        if named:
            return named[0]
    head = clause
    if ":" in head:
        label = head.split(":", 1)[0].strip().strip("`* ")
        short = segment.kind == "table" or len(label.split()) <= 4
        # What a test count's label names is what the tests are of ("API Endpoints: 12/12").
        metric = _TEST_LABEL if tests else _METRIC_LABEL
        if label and short and not metric.search(label):
            return label
    if segment.kind == "table" and ":" in text:
        # A column named for what it counts ("Tests: 40+"): the row's label says of what,
        # unless it is a total or a kind of test ("Total", "Unit Tests").
        row = text.split(":", 1)[0].strip().strip("`* ")
        if row and len(row.split()) <= 4 and not _TOTAL_ROW.match(row):
            return row
    return ""


_TOTAL_ROW = re.compile(
    r"(?i)^(?:total|overall|all|sum|summary|grand\s+total|combined|tests?|test\s+suite|"
    r"unit|integration|e2e|end-to-end|passing|passed|failed|failing|skipped|coverage|"
    r"lines?|files?|endpoints?|routes?|modules?)\b"
)


_PATH_LIKE = re.compile(r"/|\.\w{1,5}$")


def _names(text: str) -> list[str]:
    return [(n.group(1) or n.group(2)).strip().rstrip(":,") for n in _FILE_LIKE.finditer(text)]


_STOP = {"is", "has", "was", "are", "at", "with", "of", "the", "a", "an", "now", "total", "in"}
_FILE_LIKE = re.compile(
    r"`([^`]+)`|((?=[\w.-]*[A-Za-z_])[\w.-]+(?:/[\w.*-]+)+/?|(?=[\w.-]*[A-Za-z_])[\w.-]+/(?=[\s):,]|$)|"
    r"[\w-]+\.(?:py|js|ts|tsx|jsx|go|rs|java|rb|toml|md|yaml|yml|json|sql|sh))"
)


def _heading_file(segment: Segment) -> str:
    """The file the section's heading names (``### 2. `src/cache.py` ``), if any."""
    names = [n for n in _names(segment.heading) if _PATH_LIKE.search(n)]
    return names[-1] if names else ""


def _heading_class(segment: Segment) -> str:
    """The test class the section's heading names (``### TestCartTotals``), if any."""
    classes = re.findall(r"\b(Test[A-Z]\w*)\b", segment.heading)
    return f"class {classes[-1]}" if classes else ""


def _line_subject(before: str, words: str) -> str:
    """What a line count is of: the nearest file-like name, else the words before it."""
    clause = re.split(r"[.;!?]\s+(?=[A-Z`])|\n", before)[-1]  # this sentence only
    names = list(_FILE_LIKE.finditer(clause[-80:]))
    if names:
        last = names[-1]
        return (last.group(1) or last.group(2)).strip()
    kept = [w for w in words.split() if w.lower() not in _STOP]
    return " ".join(kept)


_EMOJI = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff\ufe0f]")


def _clean(text: str) -> str:
    """Status markers and emphasis are not part of a claim's words; line breaks stay, so a
    claim's line is known even when its sentence spans lines."""
    # The Markdown parser has already taken emphasis out; ``__`` left in the text is part of
    # a name (``shop/__init__.py``), a leftover ``**`` is not.
    text = _EMOJI.sub(" ", text.replace("**", ""))
    text = _LONG_TOKEN.sub("…", text)
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


_LONG_TOKEN = re.compile(r"\S{121,}")
"""A "word" of more than 120 characters (a hash, a URL, base64, a run of digits) is never
part of a claim. Left in, it costs each rule time quadratic in its length, since a rule may
start at any of its characters and read to its end: minutes for a few thousand."""


# --- judging --------------------------------------------------------------------------------

_PERCENT_KINDS = {
    ClaimKind.COVERAGE,
    ClaimKind.PASS_RATE,
    ClaimKind.ERROR_RATE,
    ClaimKind.AVAILABILITY,
    ClaimKind.COMPLETION,
    ClaimKind.OVERHEAD,
}
_COUNT_KINDS = {
    ClaimKind.TEST_COUNT,
    ClaimKind.VULNERABILITIES,
    ClaimKind.ENDPOINT_COUNT,
    ClaimKind.FILE_COUNT,
}
APPROXIMATE = 0.05
"""``~1,800 lines``, ``about 400 tests``: within 5% of the measurement holds."""
RELATIVE_TOLERANCE = 0.10
"""Latency and throughput vary from run to run: within 10% of the measurement holds."""


def tolerance(claim: Claim, measured: float) -> float:
    """How far the measurement may be from the claim and still support it."""
    if claim.kind in _PERCENT_KINDS or (claim.kind is ClaimKind.SCORE and claim.unit == "%"):
        return max(0.5 / 10.0**claim.decimals, 0.05)  # "95%" holds from 94.5% to 95.5%
    if claim.kind in _COUNT_KINDS:
        return 0.0
    if claim.kind is ClaimKind.LINE_COUNT:
        return max(1.0, 0.01 * measured)
    if claim.kind is ClaimKind.SCORE:
        return 0.5 / 10.0**claim.decimals
    return RELATIVE_TOLERANCE * measured


def judge_claim(claim: Claim, measurement: Measurement) -> ClaimResult:
    if isinstance(measurement, Unmeasured):
        return ClaimResult(claim, Verdict.UNVERIFIABLE, None, f"not measured: {measurement.needs}")
    if claim.value is None:
        return ClaimResult(
            claim, Verdict.UNVERIFIABLE, None, "a claim without a defined measurement"
        )
    measured = measurement.value
    slack = tolerance(claim, measured)
    if claim.comparator in ("<=", ">=") and claim.kind in (*_COUNT_KINDS, ClaimKind.LINE_COUNT):
        slack = 0.0  # "300+ lines" is not met by 298
    if claim.comparator == "~":
        holds = abs(measured - claim.value) <= max(slack, APPROXIMATE * measured)
    elif claim.comparator == "<=":
        holds = measured <= claim.value + slack
    elif claim.comparator == ">=":
        holds = measured >= claim.value - slack
    else:
        holds = abs(measured - claim.value) <= slack
    shown = f"{_show(claim.value)}{claim.unit and ' ' + claim.unit}"
    sign = {"=": "", "~": "about ", "<=": "at most ", ">=": "at least "}[claim.comparator]
    verdict = Verdict.SUPPORTED if holds else Verdict.CONTRADICTED
    explanation = f"claimed {sign}{shown}, measured {_show(measured)} ({measurement.source})"
    return ClaimResult(claim, verdict, round(measured, 6), explanation, measurement.source)


def _show(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


# --- a report against itself ----------------------------------------------------------------

_PCT_THEN_FRACTION = re.compile(r"(\d+(?:\.\d+)?)\s*%[^()\n]{0,20}\(\s*(\d+)\s*/\s*(\d+)\b")
_FRACTION_THEN_PCT = re.compile(r"\b(\d+)\s*/\s*(\d+)\b[^()\n]{0,30}\(\s*(\d+(?:\.\d+)?)\s*%\s*\)")
_TOTAL_THEN_PARTS = re.compile(
    r"(\d[\d,]*)\+?\s+(?:\w+\s+)?tests?\s*\((\s*\d[\d,]*\s+[\w-]+(?:\s*[,;+]\s*\d[\d,]*\s+[\w-]+)+)\s*\)",
    re.I,
)


def self_contradiction(claim: Claim) -> Measured | None:
    """The report's own figures that disagree with the claim: a percentage beside its own
    fraction (``95% (17/20)``), a total beside its parts (``50 tests (30 unit, 10 e2e)``).
    The report's text never supports itself; it can only contradict itself."""
    if claim.value is None:
        return None
    if claim.unit == "%":
        pairs = [(m[1], m[2], m[3]) for m in _PCT_THEN_FRACTION.finditer(claim.text)]
        pairs += [(m[3], m[1], m[2]) for m in _FRACTION_THEN_PCT.finditer(claim.text)]
        for pct, part, whole in pairs:
            if float(pct) != claim.value or int(whole) == 0:
                continue
            share = 100 * int(part) / int(whole)
            if abs(share - claim.value) > max(0.5 / 10.0**claim.decimals, 0.05):
                return Measured(share, f"the report's own figures: {part}/{whole}")
    if claim.kind is ClaimKind.TEST_COUNT:
        for match in _TOTAL_THEN_PARTS.finditer(claim.text):
            if _number(match.group(1)) != claim.value:
                continue
            parts = [_number(n) for n in re.findall(r"(\d[\d,]*)\s+[\w-]+", match.group(2))]
            if sum(parts) != claim.value:
                shown = " + ".join(f"{p:.0f}" for p in parts)
                return Measured(sum(parts), f"the report's own parts: {shown}")
    return None
