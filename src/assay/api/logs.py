"""Structured logs of the server: one JSON object per line, with the request id."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

__all__ = ["JsonFormatter", "request_logger"]

_FIELDS = ("request_id", "method", "path", "route", "status", "duration_ms", "principal")


class JsonFormatter(logging.Formatter):
    """Each record as one JSON line: time, level, logger, message and request fields."""

    def format(self, record: logging.LogRecord) -> str:
        body = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        body.update({f: getattr(record, f) for f in _FIELDS if hasattr(record, f)})
        if record.exc_info:
            body["error"] = self.formatException(record.exc_info)
        return json.dumps(body, default=str)


def request_logger() -> logging.Logger:
    """The ``assay.api`` logger, writing JSON lines to standard error (once)."""
    logger = logging.getLogger("assay.api")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger
