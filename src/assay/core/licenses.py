"""Licence facts from package metadata, normalised to SPDX where that is unambiguous."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from license_expression import (
    ExpressionError,
    get_license_index,
    get_spdx_licensing,
)
from license_expression import (
    ExpressionParseError as ParseError,
)

from assay.core.inventory import License, LicenseOrigin

__all__ = ["licenses_from_metadata", "spdx_expression"]

# Trove classifiers do not carry SPDX ids and no maintained package maps them, so this
# table lists only those that name exactly one SPDX licence. "BSD License", "Apache
# Software License" and the like name families, so they are kept verbatim.
_CLASSIFIER_TO_SPDX = {
    "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
    "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "License :: OSI Approved :: European Union Public Licence 1.2 (EUPL 1.2)": "EUPL-1.2",
    "License :: OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": (
        "AGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)": (
        "GPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)": (
        "GPL-3.0-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": (
        "LGPL-2.0-or-later"
    ),
    "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": (
        "LGPL-3.0-or-later"
    ),
    "License :: OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "License :: OSI Approved :: ISC License (ISCL)": "ISC",
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "License :: OSI Approved :: Mozilla Public License 1.1 (MPL 1.1)": "MPL-1.1",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "License :: OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "License :: OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "License :: OSI Approved :: zlib/libpng License": "Zlib",
}

# Free-text License values seen often enough in real metadata that name one licence.
_LICENSE_TEXT_ALIASES = {
    "apache 2": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "apache software license 2.0": "Apache-2.0",
    "asl 2.0": "Apache-2.0",
    "bsd 2-clause": "BSD-2-Clause",
    "bsd 2-clause license": "BSD-2-Clause",
    "bsd 3-clause": "BSD-3-Clause",
    "bsd 3-clause license": "BSD-3-Clause",
    "3-clause bsd": "BSD-3-Clause",
    "3-clause bsd license": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "modified bsd license": "BSD-3-Clause",
    "simplified bsd license": "BSD-2-Clause",
    "isc license": "ISC",
    "isc license (iscl)": "ISC",
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit-cmu": "MIT-CMU",
    "mozilla public license 2.0": "MPL-2.0",
    "mpl 2.0": "MPL-2.0",
    "psf license": "PSF-2.0",
    "python software foundation license": "PSF-2.0",
}

_NO_LICENSE = {"", "unknown", "none", "n/a", "other", "unlicensed"}


@functools.cache
def _licensing() -> Any:
    return get_spdx_licensing()


@functools.cache
def _known_ids() -> tuple[dict[str, str], dict[str, str]]:
    """Lower-cased SPDX licence ids and exception ids (current and deprecated) to current ids.

    Most metadata names one licence or joins a few with AND/OR; checking the tokens here
    avoids building the full expression parser, which costs more than the rest of an
    inventory. Anything else (parentheses, unknown words) goes to the full parser.
    """
    licences: dict[str, str] = {}
    exceptions: dict[str, str] = {}
    for entry in get_license_index():
        key = entry.get("spdx_license_key")
        if not key or key.startswith("LicenseRef-"):
            continue
        target = exceptions if entry.get("is_exception") else licences
        for alias in (key, *(entry.get("other_spdx_license_keys") or [])):
            if not alias.startswith("LicenseRef-"):
                target.setdefault(alias.lower(), key)
    return licences, exceptions


_OPERATORS = {"and": "AND", "or": "OR", "with": "WITH"}


def _simple_expression(text: str) -> str | None:
    """``id (AND|OR id [WITH exception])*`` normalised by token, or None if not that shape."""
    licences, exceptions = _known_ids()
    tokens = text.split()
    out: list[str] = []
    expect_operand = True
    after_with = False
    for token in tokens:
        lowered = token.lower()
        if expect_operand:
            known = (exceptions if after_with else licences).get(lowered)
            if known is None:
                return None
            out.append(known)
            expect_operand, after_with = False, False
        elif lowered in _OPERATORS:
            out.append(_OPERATORS[lowered])
            expect_operand, after_with = True, lowered == "with"
        else:
            return None
    return " ".join(out) if out and not expect_operand else None


@functools.lru_cache(maxsize=4096)
def spdx_expression(text: str) -> str | None:
    """The normalised SPDX expression for ``text``, or ``None`` when it is not one."""
    candidate = text.strip()
    if not candidate or "\n" in candidate or len(candidate) > 200:
        return None
    alias = _LICENSE_TEXT_ALIASES.get(candidate.lower())
    if alias:
        return alias
    if "(" not in candidate and ")" not in candidate:
        # Without parentheses an expression is a flat run of ids and operators: when the
        # tokens do not fit that, the text is not an expression and no parser is needed.
        return _simple_expression(candidate)
    try:
        info = _licensing().validate(candidate, strict=True)
    except (ExpressionError, ParseError, AttributeError, ValueError):
        # AttributeError: license-expression itself fails on some malformed input ("MIT AND").
        return None
    if info.errors or info.invalid_symbols or not info.normalized_expression:
        return None
    return str(info.normalized_expression)


def licenses_from_metadata(
    license_expression: str | None,
    license_field: str | None,
    classifiers: Sequence[str],
) -> tuple[License, ...]:
    """Licence facts of one distribution, most authoritative source first.

    PEP 639's License-Expression wins when present. Otherwise the License field is used,
    normalised when it is an SPDX expression or a well-known name; classifiers are added
    only when the License field did not already give an expression.
    """
    if license_expression and license_expression.strip():
        expression = spdx_expression(license_expression)
        if expression:
            return (License(LicenseOrigin.LICENSE_EXPRESSION, expression=expression),)
        return (License(LicenseOrigin.LICENSE_EXPRESSION, text=license_expression.strip()),)

    found: list[License] = []
    field_text = (license_field or "").strip()
    if field_text.lower() not in _NO_LICENSE:
        expression = spdx_expression(field_text)
        if expression:
            return (License(LicenseOrigin.LICENSE, expression=expression),)
        found.append(License(LicenseOrigin.LICENSE, text=field_text))

    seen: set[str] = set()
    for classifier in sorted(classifiers):
        if not classifier.startswith("License ::"):
            continue
        spdx_id = _CLASSIFIER_TO_SPDX.get(classifier)
        key = spdx_id or classifier
        if key in seen:
            continue
        seen.add(key)
        if spdx_id:
            found.append(License(LicenseOrigin.CLASSIFIER, expression=spdx_id))
        else:
            found.append(License(LicenseOrigin.CLASSIFIER, text=classifier))
    return tuple(found)
