"""systems and certificates, dossier read model, change log with its sequence, inbound messages

Revision ID: interop_0002
Revises:
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "interop_0002"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "systems",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("code", sa.String(50), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("agency_code", sa.String(20), nullable=False, index=True),
        sa.Column("client_id", sa.String(64), nullable=False, unique=True),
        sa.Column("push_url", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("revoked_at", TZ),
        sa.Column("revoke_reason", sa.Text),
    )
    op.create_table(
        "system_certificates",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("system_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("systems.id"), nullable=False,
                  index=True),
        sa.Column("pem", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("key_type", sa.String(30), nullable=False),
        sa.Column("not_before", TZ, nullable=False),
        sa.Column("not_after", TZ, nullable=False),
        sa.Column("added_at", TZ, nullable=False),
        sa.Column("valid_until", TZ),
        sa.Column("revoked_at", TZ),
        sa.UniqueConstraint("system_id", "fingerprint", name="uq_system_certificates_system_id"),
    )
    op.create_table(
        "dossiers",
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("agency_code", sa.String(20), nullable=False, index=True),
        sa.Column("procedure_code", sa.String(100), nullable=False),
        sa.Column("procedure_name", sa.Text),
        sa.Column("status", sa.String(30)),
        sa.Column("national_status", sa.SmallInteger),
        sa.Column("status_at", TZ),
        sa.Column("step", sa.String(100)),
        sa.Column("channel", sa.String(20)),
        sa.Column("applicant_name", sa.Text),
        sa.Column("applicant_email", sa.Text),
        sa.Column("applicant_phone", sa.Text),
        sa.Column("submitted_at", TZ),
        sa.Column("received_at", TZ),
        sa.Column("due_at", TZ),
        sa.Column("completed_at", TZ),
        sa.Column("returned_at", TZ),
        sa.Column("handed_off", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("history", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("last_change_seq", sa.BigInteger),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
    )
    op.execute("CREATE SEQUENCE dossier_change_seq AS bigint")
    op.create_table(
        "dossier_changes",
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("agency_code", sa.String(20), nullable=False),
        sa.Column("dossier_code", sa.String(60), nullable=False, index=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.Column("snapshot", postgresql.JSONB, nullable=False),
        sa.Column("changed_at", TZ, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_dossier_changes_agency_seq", "dossier_changes", ["agency_code", "seq"])
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("system_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("systems.id"), nullable=False,
                  index=True),
        sa.Column("system_code", sa.String(50), nullable=False),
        sa.Column("agency_code", sa.String(20), nullable=False),
        sa.Column("message_id", sa.String(128), nullable=False),
        sa.Column("message_type", sa.String(40), nullable=False),
        sa.Column("dossier_code", sa.String(60), index=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("digest_sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.Column("receipt", sa.LargeBinary, nullable=False),
        sa.Column("event_id", sa.String(64)),
        sa.UniqueConstraint("system_id", "message_id", name="uq_inbound_messages_system_message"),
    )


def downgrade() -> None:
    op.drop_table("inbound_messages")
    op.drop_table("dossier_changes")
    op.execute("DROP SEQUENCE dossier_change_seq")
    op.drop_table("dossiers")
    op.drop_table("system_certificates")
    op.drop_table("systems")
