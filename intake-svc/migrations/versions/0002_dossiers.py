"""files, dossiers, the append-only action log, per-agency daily counters

Revision ID: intake_0002
Revises:
Create Date: 2026-11-29
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "intake_0002"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("owner_id", sa.String(100), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("procedure_code", sa.String(60), nullable=False, index=True),
        sa.Column("procedure_name", sa.Text, nullable=False),
        sa.Column("procedure_revision", sa.Integer, nullable=False),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("procedure", postgresql.JSONB, nullable=False),
        sa.Column("agency_code", sa.String(20), nullable=False, index=True),
        sa.Column("owner_id", sa.String(100), nullable=False, index=True),
        sa.Column("applicant", postgresql.JSONB, nullable=False),
        sa.Column("form_data", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("return_method", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False, server_default="online"),
        sa.Column("status", sa.String(30), nullable=False, index=True),
        sa.Column("national_status", sa.SmallInteger, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True)),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("returned_at", sa.DateTime(timezone=True)),
        sa.Column("supplement_round", sa.Integer, nullable=False, server_default="0"),
        sa.Column("supplement_requested_at", sa.DateTime(timezone=True)),
        sa.Column("waiting_seconds", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("national_status BETWEEN 1 AND 10", name="national_status_range"),
    )
    op.create_table(
        "dossier_documents",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("dossier_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("dossiers.id"), nullable=False,
                  index=True),
        sa.Column("requirement_code", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("file_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("files.id"), nullable=False, index=True),
        sa.Column("original", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("copies", sa.Integer, nullable=False, server_default="1"),
        sa.Column("round", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "dossier_actions",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("dossier_id", postgresql.UUID(as_uuid=True), sa.ForeignKey("dossiers.id"), nullable=False,
                  index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(100)),
        sa.Column("actor_name", sa.String(200)),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("from_status", sa.String(30)),
        sa.Column("to_status", sa.String(30), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("data", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("event_id", sa.String(64)),
    )
    # The log is the source of truth: rows are only ever added.
    op.execute("""
        CREATE FUNCTION dossier_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'dossier_actions is append-only: % is not allowed', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
    """)
    op.execute("""
        CREATE TRIGGER dossier_actions_no_update_delete BEFORE UPDATE OR DELETE ON dossier_actions
        FOR EACH ROW EXECUTE FUNCTION dossier_actions_append_only();
    """)
    op.execute("""
        CREATE TRIGGER dossier_actions_no_truncate BEFORE TRUNCATE ON dossier_actions
        FOR EACH STATEMENT EXECUTE FUNCTION dossier_actions_append_only();
    """)
    op.create_table(
        "dossier_counters",
        sa.Column("agency_code", sa.String(20), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("n", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dossier_counters")
    op.execute("DROP TRIGGER IF EXISTS dossier_actions_no_truncate ON dossier_actions")
    op.execute("DROP TRIGGER IF EXISTS dossier_actions_no_update_delete ON dossier_actions")
    op.drop_table("dossier_actions")
    op.execute("DROP FUNCTION IF EXISTS dossier_actions_append_only()")
    op.drop_table("dossier_documents")
    op.drop_table("dossiers")
    op.drop_table("files")
