"""Alembic migrations of the store's schema."""

# The newest revision in versions/. Opening a store compares the database with this
# before loading Alembic at all; a test checks that it matches Alembic's own head.
SCHEMA_HEAD = "0013"
