"""dossier contacts keep the level, the fees due and what was paid (level 4)

Revision ID: notify_0004
Revises: notify_0003
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "notify_0004"
down_revision = "notify_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dossier_contacts", sa.Column("level", sa.Integer()))
    op.add_column("dossier_contacts", sa.Column("fees_due", sa.BigInteger()))
    op.add_column("dossier_contacts", sa.Column("fees_paid", sa.BigInteger()))
    op.add_column("dossier_contacts", sa.Column("paid_at", sa.DateTime(timezone=True)))
    op.add_column("dossier_contacts", sa.Column("payment_method", sa.String(20)))


def downgrade() -> None:
    for col in ("payment_method", "paid_at", "fees_paid", "fees_due", "level"):
        op.drop_column("dossier_contacts", col)
