"""Distinct identifier types, so a run id is never passed where an evidence id belongs."""

from __future__ import annotations

from typing import NewType

__all__ = ["EvidenceId", "ProjectId", "RunId"]

ProjectId = NewType("ProjectId", str)
RunId = NewType("RunId", str)
EvidenceId = NewType("EvidenceId", str)
