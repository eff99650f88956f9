"""Certify steps. Each module here that defines ``STEP`` is a step of ``assay certify``."""

from __future__ import annotations

import importlib
import pkgutil

from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["Step", "StepContext", "StepOutcome", "available_steps"]


def available_steps() -> list[Step]:
    """Every step module's ``STEP``, in run order."""
    steps: list[Step] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "interface" or module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        step = getattr(loaded, "STEP", None)
        if isinstance(step, Step):
            steps.append(step)
    return sorted(steps, key=lambda s: (s.order, s.name))
