"""Prometheus rule files checked the way ``promtool check rules`` checks them.

The input is the file's first YAML document loaded with every scalar kept as its text
(Go's YAML decoder turns any scalar into a string field, so ``severity: 1`` is valid) and
mappings that remember their line. The checks follow Prometheus' rule-file format: known
fields only, group names present and unique, exactly one of ``record``/``alert``, a
parseable PromQL ``expr`` (parsed by ``promql-parser``), durations, label and annotation
names, recording-rule restrictions, and the Go templates of alert labels and annotations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import promql_parser

from assay.core.gotemplate import template_errors

__all__ = ["RuleCheck", "check_rule_document", "is_duration"]

_GROUP_FIELDS = {"name", "interval", "limit", "rules"}
_RULE_FIELDS = {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
_DURATION = re.compile(r"^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


@dataclass(frozen=True)
class RuleCheck:
    """What one rule file holds and what is wrong with it."""

    groups: int
    alerting_rules: int
    recording_rules: int
    errors: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.errors


def is_duration(text: str) -> bool:
    """A Prometheus duration: ``0``, or units from years to milliseconds in order."""
    return text == "0" or (text != "" and _DURATION.match(text) is not None)


def check_rule_document(document: Any) -> RuleCheck:
    """Check a loaded rule file (``None`` for an empty file, which holds no rules)."""
    if document is None:
        return RuleCheck(0, 0, 0, ())
    errors: list[str] = []
    if not isinstance(document, Mapping):
        return RuleCheck(0, 0, 0, ("the file is not a mapping with a 'groups' list",))
    for key in document:
        if key != "groups":
            errors.append(f"{_at(document)}field {key} not found in the rule file format")
    groups = document.get("groups")
    if groups in (None, ""):
        return RuleCheck(0, 0, 0, tuple(errors))
    if not isinstance(groups, Sequence) or isinstance(groups, str):
        return RuleCheck(0, 0, 0, (*errors, f"{_at(document)}'groups' must be a list"))
    alerting = recording = 0
    seen: set[str] = set()
    for group in groups:
        if not isinstance(group, Mapping):
            errors.append(f"{_at(document)}each group must be a mapping")
            continue
        errors += _unknown_fields(group, _GROUP_FIELDS, "group")
        name = _text(group.get("name"))
        if not name:
            errors.append(f"{_at(group)}group name must not be empty")
        elif name in seen:
            errors.append(f'{_at(group)}group name "{name}" is repeated in the same file')
        seen.add(name)
        errors += _duration_field(group, "interval")
        limit = group.get("limit")
        if limit not in (None, "") and not re.fullmatch(r"[-+]?\d+", str(limit)):
            errors.append(f"{_at(group)}limit {limit!r} is not an integer")
        rules = group.get("rules")
        if rules in (None, ""):
            continue
        if not isinstance(rules, Sequence) or isinstance(rules, str):
            errors.append(f"{_at(group)}'rules' of group {name!r} must be a list")
            continue
        for rule in rules:
            if not isinstance(rule, Mapping):
                errors.append(f"{_at(group)}each rule must be a mapping")
                continue
            errors += _check_rule(rule)
            if _text(rule.get("record")):
                recording += 1
            elif _text(rule.get("alert")):
                alerting += 1
    return RuleCheck(len(seen), alerting, recording, tuple(errors))


def _check_rule(rule: Mapping[str, Any]) -> list[str]:
    at = _at(rule)
    errors = _unknown_fields(rule, _RULE_FIELDS, "rule")
    record, alert, expr = (_text(rule.get(k)) for k in ("record", "alert", "expr"))
    if record and alert:
        errors.append(f"{at}only one of 'record' and 'alert' may be set")
    if not record and not alert:
        errors.append(f"{at}one of 'record' or 'alert' must be set")
    if not expr:
        errors.append(f"{at}field 'expr' must be set in rule")
    else:
        try:
            promql_parser.parse(expr)
        except ValueError as exc:
            errors.append(f"{at}could not parse expression: {exc}")
    errors += _duration_field(rule, "for") + _duration_field(rule, "keep_firing_for")
    labels = _string_map(rule, "labels", errors)
    annotations = _string_map(rule, "annotations", errors)
    if record:
        if annotations:
            errors.append(f"{at}invalid field 'annotations' in recording rule")
        for field in ("for", "keep_firing_for"):
            value = _text(rule.get(field))
            if is_duration(value) and re.search(r"[1-9]", value):
                errors.append(f"{at}invalid field '{field}' in recording rule")
        if not _METRIC_NAME.match(record):
            errors.append(f"{at}invalid recording rule name: {record}")
    for key in labels:
        if not _LABEL_NAME.match(key) or key == "__name__":
            errors.append(f"{at}invalid label name: {key}")
    for key in annotations:
        if not _LABEL_NAME.match(key):
            errors.append(f"{at}invalid annotation name: {key}")
    if alert:
        for where, values in (("label", labels), ("annotation", annotations)):
            for key, value in values.items():
                errors += [f"{at}{where} {key}: template: {e}" for e in template_errors(value)]
    return errors


def _string_map(rule: Mapping[str, Any], field: str, errors: list[str]) -> dict[str, str]:
    value = rule.get(field)
    if value in (None, ""):
        return {}
    if not isinstance(value, Mapping):
        errors.append(f"{_at(rule)}'{field}' must be a mapping of names to text")
        return {}
    result = {}
    for key, item in value.items():
        if isinstance(item, Mapping | list):
            errors.append(f"{_at(rule)}{field} {key}: the value must be text, not a structure")
        else:
            result[str(key)] = _text(item)
    return result


def _duration_field(table: Mapping[str, Any], field: str) -> list[str]:
    value = table.get(field)
    if value in (None, ""):
        return []
    if isinstance(value, Mapping | list) or not is_duration(str(value)):
        return [f'{_at(table)}{field}: not a valid duration string: "{value}"']
    return []


def _unknown_fields(table: Mapping[str, Any], known: set[str], what: str) -> list[str]:
    return [f"{_at(table)}field {key} not found in {what}" for key in table if key not in known]


def _text(value: Any) -> str:
    return "" if value is None or isinstance(value, Mapping | list) else str(value)


def _at(node: Any) -> str:
    line = getattr(node, "line", None)
    return f"line {line}: " if line else ""
