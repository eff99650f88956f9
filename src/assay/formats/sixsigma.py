"""Six Sigma charts (SVG and PNG, by matplotlib) and the Markdown and HTML report.

SVG output is deterministic: no date in its metadata and a fixed hash salt for its ids.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import asdict
from html import escape

from jinja2 import Environment, StrictUndefined

from assay.core.sixsigma import ControlLimits
from assay.core.sixsigma_report import RunPoint, SixSigmaReport

__all__ = ["chart_files", "report_files", "sixsigma_document"]


def chart_files(report: SixSigmaReport) -> dict[str, bytes]:
    """The defect-rate chart and, with a metric, its individuals chart: SVG and PNG each,
    by file name."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "assay"
    written: dict[str, bytes] = {}
    points = [p for p in report.points if p.quality.dpmo is not None]
    if points:
        figure, axes = plt.subplots(figsize=(8, 3.2))
        axes.plot(range(len(points)), [p.quality.dpmo or 0.0 for p in points], marker="o")
        axes.set_xticks(range(len(points)), [p.run[:8] for p in points], rotation=45, fontsize=7)
        axes.set_ylabel("DPMO")
        axes.set_title(f"{report.project}: defects per million opportunities")
        written |= _save(figure, "dpmo")
        plt.close(figure)
    if report.metric and report.limits:
        limits = report.limits
        figure, axes = plt.subplots(figsize=(8, 3.2))
        xs = range(len(report.metric_values))
        axes.plot(xs, report.metric_values, marker="o")
        for value, style in ((limits.center, "-"), (limits.lower, "--"), (limits.upper, "--")):
            axes.axhline(value, linestyle=style, color="grey", linewidth=1)
        flagged = sorted({i for s in report.metric_signals for i in s.points[-1:]})
        axes.plot(flagged, [report.metric_values[i] for i in flagged], "rs")
        axes.set_xticks(xs, [r[:8] for r in report.metric_runs], rotation=45, fontsize=7)
        axes.set_title(f"{report.metric}: individuals chart")
        written |= _save(figure, report.metric.replace("/", "_").replace(".", "-"))
        plt.close(figure)
    return written


def _save(figure: object, stem: str) -> dict[str, bytes]:
    figure.tight_layout()  # type: ignore[attr-defined]
    svg, png = io.BytesIO(), io.BytesIO()
    figure.savefig(svg, format="svg", metadata={"Date": None})  # type: ignore[attr-defined]
    figure.savefig(png, format="png", dpi=110, metadata={"Software": None})  # type: ignore[attr-defined]
    return {f"{stem}.svg": svg.getvalue(), f"{stem}.png": png.getvalue()}


_MARKDOWN = """\
# Six Sigma report: {{ r.project }}

Sigma levels include a {{ r.shift }} shift. {{ r.points | length }} runs, oldest first.

| Run | Started | Opportunities | Defects | DPMO | Sigma | RTY |
|---|---|---|---|---|---|---|
{%- for row in rows %}
| {{ row | join(" | ") }} |
{%- endfor %}
{% if r.defect_signals %}
## Defect-rate signals
{% for s in r.defect_signals %}
- {{ s.rule }}: {{ s.description }}
{%- endfor %}
{% endif %}
{%- if r.metric and r.limits %}
## {{ r.metric }}

Center {{ "%.4g" | format(r.limits.center) }}, control limits \
{{ "%.4g" | format(r.limits.lower) }} to {{ "%.4g" | format(r.limits.upper) }} \
(individuals, sigma = MR-bar / 1.128).
{% for s in r.metric_signals %}
- {{ s.rule }}: {{ s.description }}
{%- endfor %}
{%- if r.capability %}

Capability: {{ r.capability.note }}; n = {{ r.capability.n }}.
{%- if r.capability.cpk is not none %} Cp {{ "%.2f" | format(r.capability.cp or 0) }}, \
Cpk {{ "%.2f" | format(r.capability.cpk) }}, Pp {{ "%.2f" | format(r.capability.pp or 0) }}, \
Ppk {{ "%.2f" | format(r.capability.ppk or 0) }}.{% endif %}
{%- endif %}
{% endif %}
{%- for n in r.notes %}
- {{ n }}
{%- endfor %}
"""


def _row(point: RunPoint) -> list[str]:
    quality = point.quality
    rty = quality.rolled_throughput_yield
    return [
        f"`{point.run[:8]}`",
        point.started_at.strftime("%Y-%m-%d %H:%M"),
        f"{quality.opportunities:.0f}",
        f"{quality.defects:.1f}",
        "-" if quality.dpmo is None else f"{quality.dpmo:.1f}",
        "-" if not quality.opportunities else quality.sigma_text,
        "-" if rty is None else f"{rty:.4f}",
    ]


def report_files(report: SixSigmaReport, charts: Iterable[str] = ()) -> dict[str, bytes]:
    """report.md and report.html (the Markdown rendered by markdown-it-py), the HTML showing
    the SVG ``charts`` named (files beside it)."""
    from markdown_it import MarkdownIt

    template = Environment(undefined=StrictUndefined).from_string(_MARKDOWN)
    text = template.render(r=report, rows=[_row(p) for p in report.points])
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    images = sorted(name for name in charts if name.endswith(".svg"))
    html = (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Six Sigma report: {escape(report.project)}</title></head><body>\n{body}"
        + "".join(f'<img src="{name}" alt="{name.removesuffix(".svg")}">\n' for name in images)
        + "</body></html>\n"
    )
    return {"report.md": text.encode(), "report.html": html.encode()}


def sixsigma_document(report: SixSigmaReport) -> str:
    """The report as strict JSON. Per run, ``sigma_level`` is a number, or null when it is
    not a finite number (no defect) or not measured; ``sigma_level_text`` always says it
    in words ("4.12", "above 6 (0 defects in 230 opportunities)", "unknown (...)")."""
    body = {
        "project": report.project,
        "shift": report.shift,
        "runs": [
            {
                "run": p.run,
                "started_at": p.started_at.isoformat(),
                "opportunities": p.quality.opportunities,
                "defects": p.quality.defects,
                "dpmo": p.quality.dpmo,
                "dpu": p.quality.dpu,
                "sigma_level": p.quality.sigma,
                "sigma_level_text": p.quality.sigma_text,
                "rolled_throughput_yield": p.quality.rolled_throughput_yield,
                "stages": [asdict(s) for s in p.quality.stages],
                "not_measured": list(p.quality.missing),
            }
            for p in report.points
        ],
        "defect_rate_signals": [asdict(s) for s in report.defect_signals],
        "metric": report.metric,
        "metric_values": dict(zip(report.metric_runs, report.metric_values, strict=True)),
        "limits": _maybe(report.limits),
        "moving_range_limits": asdict(report.moving_range_limits)
        if report.moving_range_limits
        else None,
        "metric_signals": [
            {**asdict(s), "runs": [report.metric_runs[i] for i in s.points]}
            for s in report.metric_signals
        ],
        "capability": asdict(report.capability) if report.capability else None,
        "notes": list(report.notes),
    }
    # Strict JSON (RFC 8259): no Infinity or NaN; a zero-defect run's sigma level is null
    # with its sigma_level_text, never an infinite number.
    return json.dumps(body, indent=2, sort_keys=True, default=str, allow_nan=False) + "\n"


def _maybe(limits: ControlLimits | None) -> dict[str, float] | None:
    return asdict(limits) if limits else None
