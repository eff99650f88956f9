"""A readiness certificate rendered for people: Markdown and a standalone HTML page."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, StrictUndefined

__all__ = ["to_html", "to_markdown"]

_MARKDOWN = """\
# Readiness certificate: {{ r.project }} {{ r.name }}

**{{ p.verificationResult }}**: every gate passed or is waived and every required role
signed off.

- Statement SHA-256: `{{ digest }}`
- Issued: {{ p.issued_at }}; valid until: {{ p.valid_until }}; next review: {{ p.next_review }}
- Run: `{{ r.run }}`; commit: `{{ r.commit or "unknown" }}`
- Evidence digest: `{{ r.evidence_digest }}`
- Policy digest: `{{ p.policy.digest }}`
{%- for d in p.policy.disabled %}
- Gate {{ d.gate }} switched off: {{ d.reason | cell }}
{%- endfor %}

## Gates

| Gate | Status | Measured | Threshold | Explanation |
|---|---|---|---|---|
{%- for g in p.gates %}
| {{ g.id }} {{ g.title }} | {{ g.status | upper }} | {{ (g.measured or "-") | cell }} \
| {{ (g.threshold or "-") | cell }} | {{ g.explanation | cell }} |
{%- endfor %}

## Sign-offs

| Role | Signer | Decision | Signed | Expires |
|---|---|---|---|---|
{%- for s in p.signoffs %}
| {{ s.role }} | {{ s.signer | cell }} | {{ s.decision }} | {{ s.signed_at }} | {{ s.expires_at }} |
{%- endfor %}
{% if p.conditions %}
## Open conditions
{% for c in p.conditions %}
- {{ c.role }} ({{ c.signer | cell }}), due {{ c.due }}: {{ c.condition | cell }}
{%- endfor %}
{% endif %}
Verify offline with the issuer's public key:
`assay verify CERTIFICATE.intoto.json --key PUBLIC.pem`
"""

_HTML = """\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Readiness certificate: {{ r.project }} {{ r.name }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.pass { color: #11691b; font-weight: 600; } .waived { color: #8a5a00; font-weight: 600; }
code { font-size: .9em; word-break: break-all; }
</style>
</head>
<body>
<h1>Readiness certificate: {{ r.project }} {{ r.name }}</h1>
<p><strong>{{ p.verificationResult }}</strong>: every gate passed or is waived and every
required role signed off.</p>
<ul>
<li>Statement SHA-256: <code>{{ digest }}</code></li>
<li>Issued {{ p.issued_at }}; valid until {{ p.valid_until }}; next review {{ p.next_review }}</li>
<li>Run <code>{{ r.run }}</code>, commit <code>{{ r.commit or "unknown" }}</code></li>
<li>Evidence digest <code>{{ r.evidence_digest }}</code>; policy digest
<code>{{ p.policy.digest }}</code></li>
{%- for d in p.policy.disabled %}
<li>Gate {{ d.gate }} switched off: {{ d.reason }}</li>
{%- endfor %}
</ul>
<h2>Gates</h2>
<table>
<tr><th>Gate</th><th>Status</th><th>Measured</th><th>Threshold</th><th>Explanation</th></tr>
{%- for g in p.gates %}
<tr><td>{{ g.id }} {{ g.title }}</td><td class="{{ g.status }}">{{ g.status }}</td>
<td>{{ g.measured or "-" }}</td><td>{{ g.threshold or "-" }}</td><td>{{ g.explanation }}</td></tr>
{%- endfor %}
</table>
<h2>Sign-offs</h2>
<table>
<tr><th>Role</th><th>Signer</th><th>Decision</th><th>Signed</th><th>Expires</th></tr>
{%- for s in p.signoffs %}
<tr><td>{{ s.role }}</td><td>{{ s.signer }}</td><td>{{ s.decision }}</td>
<td>{{ s.signed_at }}</td><td>{{ s.expires_at }}</td></tr>
{%- endfor %}
</table>
{%- if p.conditions %}
<h2>Open conditions</h2>
<ul>
{%- for c in p.conditions %}
<li>{{ c.role }} ({{ c.signer }}), due {{ c.due }}: {{ c.condition }}</li>
{%- endfor %}
</ul>
{%- endif %}
<p>Verify offline: <code>assay verify CERTIFICATE.intoto.json --key PUBLIC.pem</code></p>
</body>
</html>
"""


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _environment(autoescape: bool) -> Environment:
    environment = Environment(
        autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=True
    )
    environment.filters["cell"] = _cell
    return environment


_MARKDOWN_TEMPLATE = _environment(False).from_string(_MARKDOWN)
_HTML_TEMPLATE = _environment(True).from_string(_HTML)


def to_markdown(statement: dict[str, Any], digest: str) -> str:
    predicate = statement["predicate"]
    return _MARKDOWN_TEMPLATE.render(p=predicate, r=predicate["release"], digest=digest)


def to_html(statement: dict[str, Any], digest: str) -> str:
    predicate = statement["predicate"]
    return _HTML_TEMPLATE.render(p=predicate, r=predicate["release"], digest=digest)
