"""The rules read after the metric rules, in this order: completion, scores, overhead,
modules, memory, recovery, sign-offs, fractions and pytest summaries, labelled counts; then
the extra rules, then the fallbacks that read numbers no other rule read."""

from __future__ import annotations

import re

from assay.core.claims.model import ClaimKind
from assay.core.claims.rule_parts import (
    _ADJ,
    _PCT,
    NUMBER,
    _bytes_in_mb,
    _file_kind,
    _group,
    _minutes,
    _number,
    _pytest_total,
    _recovery_name,
    _Rule,
)

_LATER_RULES: tuple[_Rule, ...] = (
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
