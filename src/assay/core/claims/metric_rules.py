"""The rules read first: the metrics completion reports claim most (coverage, pass rates,
test counts, vulnerabilities, latency, throughput, error rates, availability, lines,
endpoints, files). Their order is their precedence: the first rule to read a number names
what it is of."""

from __future__ import annotations

import re

from assay.core.claims.model import ClaimKind
from assay.core.claims.rule_parts import (
    _ADJ,
    _LAT_Q,
    _LINES,
    _MULTIPLIER,
    _NAME,
    _PCT,
    _SEV,
    _VULN_WORDS,
    NUMBER,
    _file_kind,
    _latency_qualifier,
    _number,
    _outcome_after,
    _Rule,
    _severity,
    _test_scope,
    _vulnerability_count,
)

_METRIC_RULES: tuple[_Rule, ...] = (
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
)
