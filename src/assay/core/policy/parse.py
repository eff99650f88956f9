"""Conditions read from configuration and written back: the TOML form of a condition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assay.core.policy.checks import CHECKS
from assay.core.policy.model import AllOf, AnyOf, Check, Condition, to_data
from assay.errors import PolicyError

__all__ = ["accepted_params", "parse_condition", "to_data", "with_params"]


def parse_condition(data: Any, where: str) -> Condition:
    """A condition from its TOML form: ``{check = "...", ...params}``, ``{all_of = [...]}``
    or ``{any_of = [...]}``."""
    if not isinstance(data, Mapping):
        raise PolicyError(f"{where}: a condition must be a table", hint=_CONDITION_HINT)
    keys = set(data) & {"check", "all_of", "any_of"}
    if len(keys) != 1:
        raise PolicyError(
            f"{where}: give exactly one of check, all_of, any_of (found {sorted(keys) or 'none'})",
            hint=_CONDITION_HINT,
        )
    (key,) = keys
    if key == "check":
        name = data["check"]
        if name not in CHECKS:
            raise PolicyError(
                f"{where}: unknown check {name!r}",
                hint=f"known checks: {', '.join(sorted(CHECKS))}",
            )
        params = {k: v for k, v in data.items() if k != "check"}
        unknown = set(params) - set(CHECKS[name].defaults)
        if unknown:
            known = ", ".join(sorted(CHECKS[name].defaults)) or "none"
            raise PolicyError(
                f"{where}: check {name!r} takes no parameter {', '.join(sorted(unknown))}",
                hint=f"its parameters: {known}",
            )
        if name == "metric" and (not params.get("evidence") or not params.get("field")):
            raise PolicyError(
                f"{where}: a metric check needs evidence and field", hint=_CONDITION_HINT
            )
        return Check(name, tuple(sorted((k, _freeze(v)) for k, v in params.items())))
    items = data[key]
    if not isinstance(items, list) or not items:
        raise PolicyError(
            f"{where}: {key} needs a non-empty list of conditions", hint=_CONDITION_HINT
        )
    parsed = tuple(parse_condition(item, f"{where}.{key}[{i}]") for i, item in enumerate(items))
    return AllOf(parsed) if key == "all_of" else AnyOf(parsed)


_CONDITION_HINT = (
    'for example all_of = [{check = "tests-pass"}, '
    '{check = "metric", evidence = "coverage", field = "line_rate", min = 0.8}]'
)


def with_params(condition: Condition, overrides: Mapping[str, Any]) -> Condition:
    """The condition with every check that takes one of ``overrides`` using its value."""
    if isinstance(condition, Check):
        known = CHECKS[condition.name].defaults
        params = dict(condition.params)
        params.update({k: _freeze(v) for k, v in overrides.items() if k in known})
        return Check(condition.name, tuple(sorted(params.items())))
    items = tuple(with_params(item, overrides) for item in condition.items)
    return AllOf(items) if isinstance(condition, AllOf) else AnyOf(items)


def accepted_params(condition: Condition) -> set[str]:
    if isinstance(condition, Check):
        return set(CHECKS[condition.name].defaults)
    return {p for item in condition.items for p in accepted_params(item)}


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
