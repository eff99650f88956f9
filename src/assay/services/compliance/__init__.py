"""Compliance use cases: status against control catalogs, auditor packages, exports."""
