"""dossier documents and form data in the read model; push deliveries

Revision ID: interop_0003
Revises: interop_0002
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "interop_0003"
down_revision = "interop_0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("documents", postgresql.JSONB, nullable=False, server_default="[]"))
    op.add_column("dossiers", sa.Column("form_data", postgresql.JSONB, nullable=False, server_default="{}"))
    op.add_column("dossiers", sa.Column("origin_system", sa.String(50)))
    op.create_table(
        "push_deliveries",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("system_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("systems.id"), nullable=False),
        sa.Column("dossier_code", sa.String(60), nullable=False),
        sa.Column("change_seq", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("body", sa.LargeBinary),
        sa.Column("last_error", sa.Text),
        sa.Column("last_status_code", sa.Integer),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("delivered_at", TZ),
        sa.UniqueConstraint("system_id", "change_seq", name="uq_push_deliveries_system_change"),
    )
    op.create_index("ix_push_deliveries_due", "push_deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_push_deliveries_system_dossier", "push_deliveries", ["system_id", "dossier_code", "change_seq"])


def downgrade() -> None:
    op.drop_table("push_deliveries")
    op.drop_column("dossiers", "origin_system")
    op.drop_column("dossiers", "form_data")
    op.drop_column("dossiers", "documents")
