"""Run inside the target interpreter: print its marker environment and metadata as JSON.

This file is executed by another Python (possibly older than Assay's), so it uses only
the standard library and syntax that Python 3.8 accepts. It reads metadata files and never
imports the distributions it describes.
"""

import json
import os
import platform
import re
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from email.parser import HeaderParser
from importlib.metadata import distributions


def _version(info):
    text = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        text += info.releaselevel[0] + str(info.serial)
    return text


def _marker_environment():
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": _version(sys.implementation.version),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def _headers(text):
    # Only the header block: the body is the long description and can be large.
    head = re.split(r"\r?\n\r?\n", text, maxsplit=1)[0]
    return HeaderParser().parsestr(head)


def _direct_url(dist):
    raw = dist.read_text("direct_url.json")
    if not raw:
        return None
    try:
        return json.loads(raw).get("url")
    except ValueError:
        return None


def main():
    seen = set()
    dists = []
    for dist in distributions():
        text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
        meta = _headers(text)
        name = meta.get("Name")
        if not name:
            continue
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue  # the first on sys.path shadows the rest, as for pip and imports
        seen.add(key)
        path = getattr(dist, "_path", None)
        try:
            mtime = int(os.stat(str(path)).st_mtime) if path is not None else 0
        except OSError:
            mtime = 0
        dists.append(
            {
                "name": name,
                "version": meta.get("Version") or "",
                "location": str(path) if path is not None else "",
                "requires_dist": meta.get_all("Requires-Dist") or [],
                "license": meta.get("License"),
                "license_expression": meta.get("License-Expression"),
                "classifiers": [
                    c for c in (meta.get_all("Classifier") or []) if c.startswith("License ::")
                ],
                "summary": meta.get("Summary"),
                "direct_url": _direct_url(dist),
                "mtime": mtime,
            }
        )
    json.dump(
        {
            "executable": sys.executable,
            "prefix": sys.prefix,
            "version": platform.python_version(),
            "path": sys.path,
            "marker_environment": _marker_environment(),
            "distributions": dists,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
