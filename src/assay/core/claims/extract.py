"""Extraction: every claim in the segments of a report, each number read by one rule."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from assay.core.claims.metric_rules import _METRIC_RULES
from assay.core.claims.model import Claim, ClaimKind, Segment
from assay.core.claims.more_rules import _EXTRA, _FALLBACKS, _LATER_RULES
from assay.core.claims.rule_parts import (
    _ABOVE,
    _BELOW,
    _NOT_ACHIEVED,
    _TARGET_AFTER,
    _TO_MS,
    _WINDOW,
    _decimals,
    _number,
    _Rule,
    _test_change_or_outcome,
    _test_scope,
)
from assay.core.claims.subjects import (
    _SCOPED_KINDS,
    _count_subject,
    _heading_class,
    _heading_file,
    _line_subject,
    _subject_words,
)

__all__ = ["extract_claims"]

_RULES = (*_METRIC_RULES, *_LATER_RULES)


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
