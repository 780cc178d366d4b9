"""kit tables: the hash-chained audit log and its signed heads

Revision ID: kit_0002
Revises: kit_0001
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "kit_0002"
down_revision = "kit_0001"
branch_labels = None
depends_on = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _missing("kit_audit"):  # adopted as it is, like kit_0001's tables
        return
    op.create_table(
        "kit_audit",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_kit_audit_kind_ref", "kit_audit", ["kind", "ref"])
    op.create_table(
        "kit_audit_anchors",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("kit_audit_anchors")
    op.drop_index("ix_kit_audit_kind_ref", "kit_audit")
    op.drop_table("kit_audit")
