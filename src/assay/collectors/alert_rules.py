"""Prometheus alerting and recording rule files in a project, found and checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assay.collectors._files import expanded_size, relative_path, walk_files
from assay.core.alertrules import RuleCheck, check_rule_document

__all__ = ["RuleFile", "check_rule_file", "find_rule_files"]

_RULE_NAME = re.compile(r"(?i)(rules?|alerts?|alerting|recording)[^/]*\.ya?ml$")
_RULE_FOLDERS = {"alerts", "alerting", "rules", "prometheus"}
_GROUPS = re.compile(r"^groups:", re.MULTILINE)


@dataclass(frozen=True)
class RuleFile:
    path: str
    """Relative to the project."""
    check: RuleCheck


class _LineDict(dict[str, Any]):
    """A mapping that remembers the line it starts on (1-based)."""

    line: int = 0


class _RuleLoader(yaml.BaseLoader):  # type: ignore[misc]  # PyYAML ships no types
    """Every scalar as its text (as Go's decoder gives string fields), duplicate keys refused."""


def _construct_mapping(loader: _RuleLoader, node: yaml.MappingNode) -> _LineDict:
    result = _LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f'mapping key "{key}" already defined', key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_RuleLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def find_rule_files(root: Path) -> list[Path]:
    """YAML files that hold Prometheus rule groups: named for rules or alerts, or kept in a
    rules/alerts/prometheus folder, and with a top-level ``groups:`` key."""
    found = []
    for path in walk_files(root, suffixes=(".yml", ".yaml")):
        named = _RULE_NAME.search(path.name) or _RULE_FOLDERS & set(path.parent.parts)
        if not named:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if _GROUPS.search(text):
            found.append(path)
    return found


def check_rule_file(path: Path, root: Path | None = None) -> RuleFile:
    """Load the file's first YAML document and check it as a Prometheus rule file."""
    name = relative_path(path, root) if root else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return RuleFile(name, RuleCheck(0, 0, 0, ("the file is not UTF-8 text",)))
    try:
        document = next(iter(yaml.load_all(text, Loader=_RuleLoader)), None)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return RuleFile(name, RuleCheck(0, 0, 0, (f"{where}not valid YAML: {problem}",)))
    except RecursionError:  # PyYAML composes nested collections recursively
        return RuleFile(name, RuleCheck(0, 0, 0, ("not valid YAML: nested too deeply",)))
    if expanded_size(document, _MAX_VALUES) > _MAX_VALUES:
        problem = f"aliases expand the file to more than {_MAX_VALUES:,} values (or a loop)"
        return RuleFile(name, RuleCheck(0, 0, 0, (problem,)))
    return RuleFile(name, check_rule_document(document))


_MAX_VALUES = 100_000
"""Values a rule file may hold once its YAML aliases are expanded: thousands of rules fit;
a few kilobytes of nested aliases would otherwise make millions of rules to check."""
