"""Vulnerability data sources: the OSV source interface, in-memory data and the OSV API."""
