"""The gates use case: the policy from assay.toml, judged against a run's evidence."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from assay.collectors.pyproject import project_name
from assay.core.evidence import EvidenceItem, EvidenceRecord
from assay.core.exemptions import Exemption
from assay.core.gates import GatesOutcome, GateSpec, verdict
from assay.core.policy import (
    DEFAULT_POLICY,
    EvidenceView,
    Gate,
    Policy,
    accepted_params,
    evaluate_policy,
    needs_of,
    parse_condition,
    with_params,
)
from assay.errors import NotFoundError, PolicyError
from assay.formats.gates import gates_document
from assay.services.context import Context
from assay.store import repositories as repo

__all__ = [
    "GatesOutcome",
    "gates_document",
    "judge_items",
    "judge_records",
    "judge_stored_run",
    "load_policy",
]


def load_policy(ctx: Context) -> Policy:
    """The default policy with the changes of ``[gates]`` applied."""
    config = ctx.settings.gates
    gates = list(DEFAULT_POLICY.gates)
    disabled: list[tuple[str, str]] = []
    for gate_id, table in sorted((config.model_extra or {}).items()):
        index = next((i for i, g in enumerate(gates) if g.spec.id == gate_id), None)
        if index is None:
            raise PolicyError(
                f"[gates.{gate_id}]: no such gate",
                hint=f"default gates: {', '.join(g.spec.id for g in DEFAULT_POLICY.gates)}; "
                "add your own with [[gates.custom]]",
            )
        if not isinstance(table, dict):
            raise PolicyError(f"[gates.{gate_id}] must be a table of settings")
        params = dict(table)
        enabled, reason = params.pop("enabled", True), params.pop("reason", None)
        if enabled is False:
            if not reason:
                raise PolicyError(
                    f"[gates.{gate_id}]: switching a gate off needs a reason",
                    hint='add reason = "why this gate does not apply to the project"',
                )
            disabled.append((gate_id, str(reason)))
            continue
        unknown = set(params) - accepted_params(gates[index].condition)
        if unknown:
            known = ", ".join(sorted(accepted_params(gates[index].condition))) or "none"
            raise PolicyError(
                f"[gates.{gate_id}]: unknown setting {', '.join(sorted(unknown))}",
                hint=f"settings of {gate_id}: enabled, reason, {known}",
            )
        gate = gates[index]
        gates[index] = Gate(gate.spec, with_params(gate.condition, params))
    gates = [g for g in gates if g.spec.id not in {d[0] for d in disabled}]
    for i, table in enumerate(config.custom):
        gates.append(_custom(i, table, {g.spec.id for g in gates}))
    ids = {g.spec.id for g in gates} | {d[0] for d in disabled}
    waivers = []
    for entry in config.waivers:
        if entry.gate not in ids:
            raise PolicyError(
                f"[[gates.waivers]] names gate {entry.gate!r}, which the policy does not have",
                hint=f"gates: {', '.join(sorted(ids))}",
            )
        waivers.append(
            Exemption(entry.gate, entry.owner, entry.reason, entry.expires, entry.ticket)
        )
    return Policy(tuple(gates), tuple(waivers), tuple(disabled))


def _custom(index: int, table: dict[str, Any], taken: set[str]) -> Gate:
    where = f"[[gates.custom]] #{index + 1}"
    gate_id, title = table.get("id"), table.get("title")
    if not isinstance(gate_id, str) or not gate_id or not isinstance(title, str) or not title:
        raise PolicyError(f"{where}: id and title are required", hint='id = "COV-001"')
    if gate_id in taken:
        raise PolicyError(f"{where}: gate {gate_id} is defined twice")
    rest = {k: v for k, v in table.items() if k not in ("id", "title", "passes_when")}
    condition = parse_condition(rest, f"{where} ({gate_id})")
    passes_when = str(table.get("passes_when") or title)
    return Gate(GateSpec(gate_id, title, passes_when, needs_of(condition)), condition)


def judge_items(ctx: Context, items: Iterable[EvidenceItem], today: date) -> GatesOutcome:
    """Judge evidence collected by certify, before it is stored."""
    views = [
        EvidenceView(i.kind.value, hashlib.sha256(i.data).hexdigest(), i.summary) for i in items
    ]
    return _outcome(load_policy(ctx), views, today, None)


def judge_records(
    ctx: Context, records: Iterable[EvidenceRecord], today: date, run_id: str | None
) -> GatesOutcome:
    """Judge stored evidence: a record with a ``problem`` (altered after it was stored)
    makes every check that reads it unknown, so a gate never keeps an old pass."""
    return _outcome(load_policy(ctx), _views(records), today, run_id)


def _views(records: Iterable[EvidenceRecord]) -> list[EvidenceView]:
    return [EvidenceView(r.kind, r.sha256, r.summary, r.problem) for r in records]


def judge_stored_run(
    ctx: Context, project: Path, today: date, run: str | None = None
) -> GatesOutcome:
    """The policy judged against a stored run: ``run``, or the project's newest."""
    policy = load_policy(ctx)  # a bad policy is reported before the store is opened
    store = ctx.store(create=False)
    with store.transaction() as session:
        if run:
            row = repo.find_run(session, run)
        else:
            rows = repo.list_runs(session, 1, project_name(project))
            if not rows:
                raise NotFoundError(
                    f"no runs of {project_name(project)} yet", hint="run: assay certify -C PATH"
                )
            row = rows[0]
        # Each piece is checked against its seal and its blob against its digest.
        records = [repo.to_record(e, store.locker) for e in row.evidence]
        run_id = row.id
    return _outcome(policy, _views(records), today, run_id)


def _outcome(
    policy: Policy, views: list[EvidenceView], today: date, run_id: str | None
) -> GatesOutcome:
    results = evaluate_policy(policy, views, today)
    return GatesOutcome(run_id, results, verdict(results), policy.digest(), policy.disabled)
