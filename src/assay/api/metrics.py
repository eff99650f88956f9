"""Prometheus figures read from the store at scrape time: evidence stored, runs by verdict,
open hand-offs and the lockdowns in force (the same for every process on one database)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from assay.errors import AssayError
from assay.services.context import Context
from assay.services.store_figures import store_figures

__all__ = ["StoreCollector"]


class StoreCollector(Collector):
    def __init__(self, context: Context) -> None:
        self.context = context

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            figures = store_figures(self.context)
        except AssayError:
            yield GaugeMetricFamily("assay_store_up", "Whether the store answers", value=0)
            return
        yield GaugeMetricFamily("assay_store_up", "Whether the store answers", value=1)
        evidence = GaugeMetricFamily(
            "assay_evidence_stored", "Pieces of evidence in the store", labels=["kind"]
        )
        for kind, count in sorted(figures.evidence.items()):
            evidence.add_metric([kind], count)
        yield evidence
        yield GaugeMetricFamily(
            "assay_evidence_stored_bytes", "Bytes of evidence stored", value=figures.evidence_bytes
        )
        runs = GaugeMetricFamily("assay_runs", "Runs in the store by verdict", labels=["verdict"])
        for verdict, count in sorted(figures.runs.items()):
            runs.add_metric([verdict], count)
        yield runs
        handoffs = GaugeMetricFamily(
            "assay_handoffs_open", "Open hand-offs by state", labels=["state"]
        )
        for state, count in sorted(figures.handoffs_open.items()):
            handoffs.add_metric([state], count)
        yield handoffs
        levels = [level for _, _, level in figures.lockdowns]
        yield GaugeMetricFamily(
            "assay_lockdown_level",
            "Highest level of the lockdowns in force (0: none)",
            value=max(levels, default=0),
        )
        active = GaugeMetricFamily(
            "assay_lockdowns_active", "Lockdowns in force", labels=["scope", "target", "level"]
        )
        for scope, target, level in sorted(figures.lockdowns):
            active.add_metric([scope, target, str(level)], 1)
        yield active
