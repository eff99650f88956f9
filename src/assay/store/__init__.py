"""Persistence: SQLAlchemy tables, repositories, the evidence locker, migrations."""
