"""Server paths out of the bodies the team server answers with.

An error message written for the CLI names files as the local user sees them
(``no Assay store at /srv/assay/.assay/assay.db``). A caller of the API learns nothing
from the server's layout: a path inside the served project is shown relative to it
(``<project>/requirements.txt``), inside the store as ``<store>/...``, and any other
absolute path by its last part only. The API's own paths (``/api/v1/...``) are kept.
"""

from __future__ import annotations

import re
from pathlib import Path

from assay.settings import Settings

__all__ = ["redact_paths"]

# An absolute POSIX path of at least two parts, not inside a URL (``https://h/x``).
_ABSOLUTE = re.compile(r"(?<![\w:/.~<>-])/(?:[^\s/'\"`,;()<>]+/)+[^\s/'\"`,;()<>]*")
_SERVED = ("/api/", "/mcp", "/metrics", "/ready", "/health", "/v1/")


def redact_paths(text: str, settings: Settings) -> str:
    if "/" not in text:
        return text
    places = sorted(
        [
            (str(settings.state_dir.resolve()), "<store>"),
            (str(settings.project_dir.resolve()), "<project>"),
        ],
        key=lambda place: -len(place[0]),
    )

    def shown(match: re.Match[str]) -> str:
        path = match.group(0)
        if path.startswith(_SERVED):
            return path
        trailing = path[len(path.rstrip(".")) :]  # a sentence's full stop
        path = path.rstrip(".")
        for root, name in places:
            if path == root or path.startswith(root + "/"):
                return name + path[len(root) :] + trailing
        return (Path(path).name or "<path>") + trailing

    return _ABSOLUTE.sub(shown, text)
