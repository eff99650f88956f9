"""Legal holds and the tombstones of purged evidence.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assay.store.models import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project", sa.String(200), nullable=False),
        sa.Column("release", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("placed_by", sa.String(200), nullable=False),
        sa.Column("placed_at", UTCDateTime(), nullable=False),
        sa.Column("released_by", sa.String(200), nullable=True),
        sa.Column("released_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "evidence_tombstones",
        sa.Column("evidence_id", sa.String(36), sa.ForeignKey("evidence.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("policy", sa.String(100), nullable=False),
        sa.Column("purged_at", UTCDateTime(), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
    )
    op.create_index("ix_evidence_tombstones_sha256", "evidence_tombstones", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_evidence_tombstones_sha256", "evidence_tombstones")
    op.drop_table("evidence_tombstones")
    op.drop_table("legal_holds")
