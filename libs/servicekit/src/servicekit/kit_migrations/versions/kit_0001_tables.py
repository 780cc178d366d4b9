"""kit tables: transactional outbox, consumer inbox, idempotency keys

Revision ID: kit_0001
Revises:
Create Date: 2026-12-06

Until the kit had migrations of its own, each service's first migration created these tables (the same
definitions as below). On such a database a table that already exists is adopted as it is, so this first
kit migration only records ``kit_0001`` in ``kit_alembic_version``; on a new database it creates them.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "kit_0001"
down_revision = None
branch_labels = None
depends_on = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing("kit_outbox"):
        op.create_table(
            "kit_outbox",
            sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
            sa.Column("event_id", sa.String(64), nullable=False, unique=True),
            sa.Column("subject", sa.String(200), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("headers", JSONB, nullable=False, server_default="{}"),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            sa.Column("sent_at", sa.DateTime(timezone=True)),
            sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
            sa.Column("last_error", sa.Text),
        )
        op.create_index("ix_kit_outbox_unsent", "kit_outbox", ["seq"], postgresql_where=sa.text("sent_at IS NULL"))
    if _missing("kit_inbox"):
        op.create_table(
            "kit_inbox",
            sa.Column("consumer", sa.String(100), primary_key=True),
            sa.Column("event_id", sa.String(64), primary_key=True),
            sa.Column("event_type", sa.String(200), nullable=False),
            sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        )
    if _missing("kit_idempotency"):
        op.create_table(
            "kit_idempotency",
            sa.Column("scope", sa.String(300), primary_key=True),
            sa.Column("key", sa.String(200), primary_key=True),
            sa.Column("request_hash", sa.String(64), nullable=False),
            sa.Column("status", sa.Integer, nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        )


def downgrade() -> None:
    op.drop_table("kit_idempotency")
    op.drop_table("kit_inbox")
    op.drop_table("kit_outbox")
