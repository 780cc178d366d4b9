"""deliveries keep the trace context of the event that planned them (the send joins that trace)

Revision ID: notify_0005
Revises: notify_0004
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "notify_0005"
down_revision = "notify_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("trace_context", JSONB()))


def downgrade() -> None:
    op.drop_column("deliveries", "trace_context")
