"""Licence facts: SPDX where the metadata names one licence, verbatim otherwise."""

from __future__ import annotations

import pytest

from assay.core.licenses import licenses_from_metadata, spdx_expression


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        ("Apache-2.0 OR BSD-3-Clause", "Apache-2.0 OR BSD-3-Clause"),
        ("Apache 2.0", "Apache-2.0"),
        ("MIT License", "MIT"),
        (
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
            "GPL-2.0-or-later WITH Classpath-exception-2.0",
        ),
        ("BSD", None),
        ("Dual License", None),
        ("Copyright (c) 2024\nPermission is hereby granted", None),
        ("", None),
    ],
)
def test_spdx_expression(text: str, expected: str | None) -> None:
    assert spdx_expression(text) == expected


def test_license_expression_field_wins_over_everything_else() -> None:
    facts = licenses_from_metadata(
        "Apache-2.0", "MIT", ["License :: OSI Approved :: GNU General Public License v3 (GPLv3)"]
    )
    assert [(f.origin.value, f.expression) for f in facts] == [("License-Expression", "Apache-2.0")]


def test_an_invalid_license_expression_is_kept_verbatim() -> None:
    facts = licenses_from_metadata("Not A Licence", None, [])
    assert [(f.expression, f.text) for f in facts] == [(None, "Not A Licence")]


def test_classifiers_fill_in_only_when_the_license_field_gives_no_expression() -> None:
    assert [
        f.expression
        for f in licenses_from_metadata(
            None, "MIT", ["License :: OSI Approved :: ISC License (ISCL)"]
        )
    ] == ["MIT"]
    facts = licenses_from_metadata(
        None,
        "UNKNOWN",
        ["License :: OSI Approved :: MIT License", "License :: OSI Approved :: BSD License"],
    )
    assert [(f.expression, f.text) for f in facts] == [
        (None, "License :: OSI Approved :: BSD License"),
        ("MIT", None),
    ]


def test_a_full_licence_text_in_the_license_field_is_kept_verbatim() -> None:
    text = "Copyright (c) 2024 Someone\n\nPermission is hereby granted, free of charge..."
    facts = licenses_from_metadata(None, text, [])
    assert [(f.origin.value, f.text) for f in facts] == [("License", text)]


def test_no_licence_information_gives_no_fact() -> None:
    assert licenses_from_metadata(None, None, ["Programming Language :: Python"]) == ()


@pytest.mark.parametrize(
    "text",
    [
        "MIT",
        "apache-2.0",
        "GPL-2.0",
        "GPL-2.0+",
        "LGPL-2.1-or-later",
        "Apache-2.0 OR BSD-3-Clause",
        "MIT and Apache-2.0",
        "GPL-2.0-or-later WITH Classpath-exception-2.0",
        "MPL-2.0 OR GPL-2.0-only WITH Classpath-exception-2.0",
        "BSD",
        "MIT AND",
        "Apache Software License",
        "OR MIT",
    ],
)
def test_the_fast_path_agrees_with_the_full_expression_parser(text: str) -> None:
    from license_expression import get_spdx_licensing

    try:
        info = get_spdx_licensing().validate(text, strict=True)
        full = None if info.errors or info.invalid_symbols else info.normalized_expression
    except AttributeError:  # license-expression itself fails on some malformed input
        full = None
    assert spdx_expression(text) == full
