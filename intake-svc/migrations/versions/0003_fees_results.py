"""fees on dossiers, payments and their provider notifications, signed result documents

Revision ID: intake_0003
Revises: intake_0002
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "intake_0003"
down_revision = "intake_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("fees_due", sa.BigInteger))
    op.add_column("dossiers", sa.Column("fees_paid", sa.BigInteger, nullable=False, server_default="0"))
    op.add_column("dossiers", sa.Column("fee_lines", postgresql.JSONB, nullable=False, server_default="[]"))
    op.add_column("dossiers", sa.Column("payment_pending", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "payments",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("dossier_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("dossiers.id"), nullable=False,
                  index=True),
        sa.Column("txn_ref", sa.String(40), nullable=False, unique=True),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100)),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("paid_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("pay_url", sa.Text),
        sa.Column("provider_txn_no", sa.String(40)),
        sa.Column("bank_code", sa.String(20)),
        sa.Column("response_code", sa.String(4)),
        sa.Column("receipt_no", sa.String(60)),
        sa.Column("note", sa.Text),
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("status IN ('pending', 'paid', 'failed', 'expired')", name="status_known"),
    )
    op.create_index("ix_payments_pending_expiry", "payments", ["expires_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "payment_notifications",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("txn_ref", sa.String(100)),
        sa.Column("payment_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("payments.id"), index=True),
        sa.Column("params", postgresql.JSONB, nullable=False),
        sa.Column("rsp_code", sa.String(4), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("remote", sa.String(100)),
    )
    op.create_table(
        "result_documents",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("dossier_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("dossiers.id"), nullable=False,
                  index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("source_file_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("files.id")),
        sa.Column("file_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("files.id")),
        sa.Column("sha256", sa.String(64)),
        sa.Column("media_type", sa.String(120)),
        sa.Column("size", sa.BigInteger),
        sa.Column("signed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("signer", sa.Text),
        sa.Column("problem", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("result_documents")
    op.drop_table("payment_notifications")
    op.drop_index("ix_payments_pending_expiry", table_name="payments")
    op.drop_table("payments")
    for col in ("payment_pending", "fee_lines", "fees_paid", "fees_due"):
        op.drop_column("dossiers", col)
