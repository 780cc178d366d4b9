"""kit tables: outbox, inbox, idempotency

Revision ID: portal_0001
Revises:
Create Date: 2026-11-29
"""
from alembic import op

from servicekit.migrations import create_kit_tables

revision = "portal_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_kit_tables(op)


def downgrade() -> None:
    op.drop_table("kit_idempotency")
    op.drop_table("kit_inbox")
    op.drop_table("kit_outbox")
