"""Six Sigma charts (SVG and PNG, by matplotlib) and the Markdown and HTML report.

SVG output is deterministic: no date in its metadata and a fixed hash salt for its ids.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, StrictUndefined

if TYPE_CHECKING:
    from assay.core.sixsigma_report import RunPoint, SixSigmaReport

__all__ = ["write_charts", "write_report"]


def write_charts(report: SixSigmaReport, folder: Path) -> list[Path]:
    """The defect-rate chart and, with a metric, its individuals chart: SVG and PNG each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "assay"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    points = [p for p in report.points if p.quality.dpmo is not None]
    if points:
        figure, axes = plt.subplots(figsize=(8, 3.2))
        axes.plot(range(len(points)), [p.quality.dpmo or 0.0 for p in points], marker="o")
        axes.set_xticks(range(len(points)), [p.run[:8] for p in points], rotation=45, fontsize=7)
        axes.set_ylabel("DPMO")
        axes.set_title(f"{report.project}: defects per million opportunities")
        written += _save(figure, folder / "dpmo")
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
        written += _save(figure, folder / report.metric.replace("/", "_").replace(".", "-"))
        plt.close(figure)
    return written


def _save(figure: object, stem: Path) -> list[Path]:
    figure.tight_layout()  # type: ignore[attr-defined]
    svg, png = stem.with_suffix(".svg"), stem.with_suffix(".png")
    figure.savefig(svg, metadata={"Date": None})  # type: ignore[attr-defined]
    figure.savefig(png, dpi=110, metadata={"Software": None})  # type: ignore[attr-defined]
    return [svg, png]


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


def write_report(report: SixSigmaReport, folder: Path) -> tuple[Path, Path]:
    """report.md and report.html (the Markdown rendered by markdown-it-py)."""
    from markdown_it import MarkdownIt

    folder.mkdir(parents=True, exist_ok=True)
    template = Environment(undefined=StrictUndefined).from_string(_MARKDOWN)
    text = template.render(r=report, rows=[_row(p) for p in report.points])
    markdown = folder / "report.md"
    markdown.write_text(text, encoding="utf-8")
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    html = folder / "report.html"
    html.write_text(
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Six Sigma report: {escape(report.project)}</title></head><body>\n{body}"
        + "".join(f'<img src="{p.name}" alt="{p.stem}">\n' for p in sorted(folder.glob("*.svg")))
        + "</body></html>\n",
        encoding="utf-8",
    )
    return markdown, html
