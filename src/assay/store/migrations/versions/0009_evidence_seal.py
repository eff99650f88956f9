"""Evidence rows carry a seal: the SHA-256 over kind, summary and blob digest that gates
check before they judge. Rows stored before this revision are sealed as they stand; their
``evidence.stored`` audit entries (payload: the summary) still vouch for them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from assay.core.evidence import evidence_seal

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("seal", sa.String(64), nullable=True))
    evidence = sa.table(
        "evidence",
        sa.column("id", sa.String),
        sa.column("kind", sa.String),
        sa.column("sha256", sa.String),
        sa.column("summary", sa.JSON),
        sa.column("seal", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(evidence.c.id, evidence.c.kind, evidence.c.sha256, evidence.c.summary)
    ).all()
    for ident, kind, sha256, summary in rows:
        if isinstance(summary, str):  # a driver that hands JSON back as text
            summary = json.loads(summary)
        seal = evidence_seal(kind, sha256, summary or {})
        connection.execute(evidence.update().where(evidence.c.id == ident).values(seal=seal))


def downgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_column("seal")
