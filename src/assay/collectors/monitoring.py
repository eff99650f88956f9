"""Monitoring facts of a project: probe routes, instrumentation, alert rules, logging.

Routes are read from the source with ``ast`` (nothing is imported or run): FastAPI,
Starlette, Flask, Quart, Litestar and aiohttp route decorators and registration calls,
Django ``path``/``re_path``/``url`` entries, ``mount("/metrics", make_asgi_app())``, and
the paths of the project's OpenAPI document.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from assay.collectors._files import python_sources, relative_path, walk_files
from assay.collectors.alert_rules import check_rule_file, find_rule_files
from assay.core.limits import MAX_TOML_KEY_PARTS, toml_key_depth
from assay.core.monitoring import LoggingSetup, MonitoringFacts, Route, classify_route

__all__ = ["inspect_monitoring"]

_ROUTE_METHODS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "options",
    "route",
    "api_route",
    "websocket",
    "add_api_route",
    "add_url_rule",
    "add_route",
    "add_get",
    "add_post",
    "mount",
}
_DJANGO_FUNCTIONS = {"path", "re_path", "url"}
_DJANGO_PATTERN = re.compile(r"^\^?[\w\-{}<>:/.]*/?\$?$")
_ROUTE_FUNCTIONS = _DJANGO_FUNCTIONS | {"Route", "Mount", "get", "post", "route"}
_FRAMEWORKS = ("fastapi", "starlette", "flask", "quart", "django", "litestar", "aiohttp")
# Import names and distribution names of metrics and tracing libraries.
_INSTRUMENTATION_IMPORTS = {
    "prometheus_client": "prometheus-client",
    "opentelemetry": "opentelemetry",
    "prometheus_fastapi_instrumentator": "prometheus-fastapi-instrumentator",
    "starlette_exporter": "starlette-exporter",
    "starlette_prometheus": "starlette-prometheus",
    "django_prometheus": "django-prometheus",
    "prometheus_flask_exporter": "prometheus-flask-exporter",
    "aioprometheus": "aioprometheus",
    "statsd": "statsd",
    "datadog": "datadog",
    "ddtrace": "ddtrace",
}
_INSTRUMENTATION_DISTRIBUTIONS = set(_INSTRUMENTATION_IMPORTS.values())
_LOGGING_IMPORTS = {
    "structlog": "structlog",
    "pythonjsonlogger": "python-json-logger",
    "json_log_formatter": "json-log-formatter",
    "ecs_logging": "ecs-logging",
}
_JSON_FORMATTER = re.compile(r"(?i)json\w*formatter|pythonjsonlogger|ecs_logging\.StdlibFormatter")
_LOGGING_SETUP_CALLS = {"basicConfig", "dictConfig", "fileConfig", "configure"}
_OPENAPI_NAMES = ("openapi.json", "openapi.yaml", "openapi.yml", "swagger.json", "swagger.yaml")


def inspect_monitoring(root: Path) -> MonitoringFacts:
    """Read the monitoring facts of the project at ``root``."""
    routes: list[Route] = []
    instrumentation: set[str] = set(_declared_instrumentation(root))
    logging_setups: list[LoggingSetup] = []
    configured = False
    frameworks: set[str] = set()
    for path in python_sources(root):
        name = relative_path(path, root)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"), filename=name)
        except (SyntaxError, ValueError, MemoryError, RecursionError):  # the last two: nesting
            continue
        facts = _FileFacts(name)
        try:
            facts.visit(tree)
        except RecursionError:  # expressions nested hundreds deep: no route or logger there
            continue
        routes += facts.routes
        instrumentation |= facts.instrumentation
        logging_setups += facts.structured_logging()
        configured = configured or facts.logging_configured
        frameworks |= facts.frameworks
    routes += _openapi_routes(root)
    logging_setups += _logging_files(root)
    rule_files = [check_rule_file(p, root) for p in find_rule_files(root)]
    probes: dict[str, list[str]] = {}
    for route in routes:
        probe = classify_route(route.path)
        if probe:
            probes.setdefault(probe.value, []).append(f"{route.path} ({route.source})")
    return MonitoringFacts(
        routes=tuple(routes),
        probes={k: tuple(sorted(set(v))) for k, v in sorted(probes.items())},
        instrumentation=tuple(sorted(instrumentation)),
        alert_rule_files=tuple(f.path for f in rule_files),
        alerting_rules=sum(f.check.alerting_rules for f in rule_files),
        recording_rules=sum(f.check.recording_rules for f in rule_files),
        alert_rule_errors=tuple(f"{f.path}: {e}" for f in rule_files for e in f.check.errors),
        structured_logging=tuple(logging_setups),
        logging_configured=configured or bool(logging_setups),
        serves_http=bool(frameworks) or bool(routes),
    )


class _FileFacts(ast.NodeVisitor):
    def __init__(self, name: str) -> None:
        self.name = name
        self.routes: list[Route] = []
        self.instrumentation: set[str] = set()
        self.logging: list[LoggingSetup] = []
        self.logging_configured = False
        self.frameworks: set[str] = set()
        self.imports_logging_config = False
        self.formatter_names: list[LoggingSetup] = []

    def _imported(self, module: str, line: int) -> None:
        top = module.split(".")[0]
        if top in _FRAMEWORKS:
            self.frameworks.add(top)
        if top in _INSTRUMENTATION_IMPORTS:
            self.instrumentation.add(_INSTRUMENTATION_IMPORTS[top])
        if top in _LOGGING_IMPORTS:
            self.logging.append(LoggingSetup(_LOGGING_IMPORTS[top], f"{self.name}:{line}"))
        if module.startswith("logging.config"):
            self.imports_logging_config = True

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._imported(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and node.level == 0:
            self._imported(node.module, node.lineno)
            if node.module == "logging" and any(a.name == "config" for a in node.names):
                self.imports_logging_config = True

    def visit_Call(self, node: ast.Call) -> None:
        name = _called_name(node.func)
        where = self.at(node)
        framework = "/".join(sorted(self.frameworks)) or "python"
        if name in _ROUTE_METHODS or (isinstance(node.func, ast.Name) and name in _ROUTE_FUNCTIONS):
            path = _route_path(node)
            if path is not None:
                self.routes.append(Route(path, where, framework))
        if name == "start_http_server" and "prometheus-client" in self.instrumentation:
            self.routes.append(Route("/metrics", f"{where} (start_http_server)", "prometheus"))
        if name in _LOGGING_SETUP_CALLS or (name == "add" and _keyword(node, "serialize")):
            self.logging_configured = True
        if name == "add" and _truthy(_keyword(node, "serialize")):
            self.logging.append(LoggingSetup("loguru (serialize=True)", where))
        if name in ("dictConfig", "fileConfig"):
            self.imports_logging_config = True
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and _JSON_FORMATTER.search(node.value):
            self.formatter_names.append(LoggingSetup(f"JSON formatter {node.value}", self.at(node)))

    def at(self, node: ast.expr) -> str:
        return f"{self.name}:{node.lineno}"

    def structured_logging(self) -> list[LoggingSetup]:
        """Logging libraries imported, and JSON formatters named where logging is configured."""
        return self.logging + (self.formatter_names if self.imports_logging_config else [])


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _route_path(node: ast.Call) -> str | None:
    """The route's path: absolute for every framework but Django, whose URL patterns are
    relative (``"healthz/"``, ``r"^ready/$"``)."""
    django = isinstance(node.func, ast.Name) and node.func.id in _DJANGO_FUNCTIONS
    candidates = list(node.args[:1]) + [
        k.value for k in node.keywords if k.arg in ("path", "rule", "route")
    ]
    for candidate in candidates:
        if isinstance(candidate, ast.Constant) and isinstance(candidate.value, str):
            text = candidate.value
            if text.startswith("/"):
                return text
            if django and _DJANGO_PATTERN.match(text):
                return "/" + text.lstrip("^").rstrip("$")
    return None


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _truthy(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and bool(value.value)


def _declared_instrumentation(root: Path) -> list[str]:
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return []
    try:
        text = pyproject.read_text(encoding="utf-8")
        if toml_key_depth(text) > MAX_TOML_KEY_PARTS:  # tomllib is quadratic in them
            return []
        data = tomllib.loads(text)
    except (ValueError, RecursionError):  # not TOML, not UTF-8, too deep, a huge integer
        return []
    project = data.get("project")
    declared = project.get("dependencies") if isinstance(project, dict) else None
    lines = declared if isinstance(declared, list) else []
    found: list[str] = []
    for line in lines:
        try:
            name = canonicalize_name(Requirement(str(line)).name)
        except InvalidRequirement:
            continue
        if name in _INSTRUMENTATION_DISTRIBUTIONS:
            found.append(name)
        elif name.startswith("opentelemetry-"):
            found.append("opentelemetry")
    return found


def _openapi_routes(root: Path) -> list[Route]:
    routes = []
    for path in walk_files(root, (".json", ".yaml", ".yml")):
        if path.name not in _OPENAPI_NAMES:
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
            spec: Any = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        except (ValueError, yaml.YAMLError, RecursionError):
            continue
        if isinstance(spec, dict) and isinstance(spec.get("paths"), dict):
            source = relative_path(path, root)
            routes += [Route(str(p), source, "openapi") for p in spec["paths"]]
    return routes


def _logging_files(root: Path) -> list[LoggingSetup]:
    found = []
    for path in walk_files(root, (".yaml", ".yml", ".ini", ".conf", ".json", ".cfg")):
        if "log" not in path.name.lower():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        match = _JSON_FORMATTER.search(text)
        if match:
            where = relative_path(path, root)
            found.append(LoggingSetup(f"JSON formatter {match.group(0)}", where))
    return found
