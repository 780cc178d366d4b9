"""when each officer account was last published (gateway.officer.saved.v1)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("officer_published_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("users", "officer_published_at")
