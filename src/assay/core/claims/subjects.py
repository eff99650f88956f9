"""What a count is of: the file, folder, test class or table row its words name."""

from __future__ import annotations

import re

from assay.core.claims.model import ClaimKind, Segment
from assay.core.claims.rule_parts import _WINDOW

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
