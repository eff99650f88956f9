"""Run inside the target interpreter: print its marker environment and metadata as JSON.

This file is executed by another Python (possibly older than Assay's), so it uses only
the standard library and syntax that Python 3.8 accepts. It reads metadata files and never
imports the distributions it describes.

Discovery follows importlib.metadata (what pip list uses): every sys.path folder in order,
``*.dist-info`` before ``*.egg-info`` within a folder, the first of a name wins. It is
written out here rather than calling importlib.metadata because importing that module and
the email parser costs the target interpreter about 40 ms, more than all the reading.
"""

import json
import os
import platform
import re
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

_WANTED = {
    "name",
    "version",
    "requires-dist",
    "license",
    "license-expression",
    "classifier",
    "summary",
}


def _version(info):
    text = "{0.major}.{0.minor}.{0.micro}".format(info)
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


def _headers(path):
    """The core-metadata header fields Assay uses; the body (long description) is skipped.

    Core metadata is an RFC 822 header block: ``Key: value`` lines, continuation lines
    starting with white space, ended by the first empty line.
    """
    fields = {}
    last = None
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if not line:
                break
            if line[0] in " \t":
                if last is not None:
                    last[-1] = last[-1] + "\n" + line.strip()
                continue
            key, sep, value = line.partition(":")
            if not sep:
                last = None
                continue
            key = key.strip().lower()
            if key in _WANTED:
                last = fields.setdefault(key, [])
                last.append(value.strip())
            else:
                last = None
    return fields


def _read(folder, name):
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            return handle.read()
    except (OSError, ValueError):
        return None


def _direct_url(folder):
    raw = _read(folder, "direct_url.json")
    if not raw:
        return None
    try:
        return json.loads(raw).get("url")
    except (ValueError, AttributeError):
        return None


def _metadata_folders():
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        lowered = [(n, n.lower()) for n in names]
        infos = [n for n, low in lowered if low.endswith(".dist-info")]
        eggs = [n for n, low in lowered if low.endswith(".egg-info")]
        for name in infos + eggs:
            folder = os.path.join(entry, name)
            if os.path.isdir(folder):
                yield folder


def main():
    seen = set()
    dists = []
    for folder in _metadata_folders():
        metadata = os.path.join(folder, "METADATA")
        if not os.path.isfile(metadata):
            metadata = os.path.join(folder, "PKG-INFO")
            if not os.path.isfile(metadata):
                continue
        try:
            meta = _headers(metadata)
        except OSError:
            continue
        name = (meta.get("name") or [""])[0]
        if not name:
            continue
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue  # the first on sys.path shadows the rest, as for pip and imports
        seen.add(key)
        try:
            mtime = int(os.stat(folder).st_mtime)
        except OSError:
            mtime = 0
        dists.append(
            {
                "name": name,
                "version": (meta.get("version") or [""])[0],
                "location": folder,
                "requires_dist": meta.get("requires-dist", []),
                "license": (meta.get("license") or [None])[0],
                "license_expression": (meta.get("license-expression") or [None])[0],
                "classifiers": [
                    c for c in meta.get("classifier", []) if c.startswith("License ::")
                ],
                "summary": (meta.get("summary") or [None])[0],
                "direct_url": _direct_url(folder),
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
