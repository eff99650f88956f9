"""The vulnerability feed interface: a source of OSV records, and the error a feed raises."""

from __future__ import annotations

from typing import Any, Protocol

from assay.errors import EnvironmentProblem

__all__ = ["FeedError", "OsvSource"]

_DEFAULT_HINT = (
    "check the network and the OSV URL ([vulnerabilities] osv_url in assay.toml), or scan "
    "without the network: assay scan --offline, after loading the data once with "
    "`assay vulndb import FILE` (or `assay vulndb sync`)"
)


class OsvSource(Protocol):
    """Where OSV records for PyPI packages come from: memory, the store, or the OSV API.

    Records are full OSV JSON objects, as the OSV API's ``/v1/vulns/{id}`` returns them.
    """

    def query(self, package: str, version: str | None) -> list[dict[str, Any]]:
        """The records affecting ``package`` at ``version``; every record of the package
        when ``version`` is None. Withdrawn records are left out."""
        ...

    def get(self, vuln_id: str) -> dict[str, Any] | None:
        """The record with this id, or else one that lists it as an alias; None if none."""
        ...

    def snapshot(self) -> str | None:
        """A digest naming the data answered from; None when the data has no fixed state."""
        ...


class FeedError(EnvironmentProblem):
    """A vulnerability feed could not be reached, or answered with something unusable."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint or _DEFAULT_HINT)
