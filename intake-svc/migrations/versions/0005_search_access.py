"""officer search (folded applicant name, CCCD, phone; per-agency indexes), partners and process files, read log

Revision ID: intake_0005
Revises: intake_0004
Create Date: 2026-12-06

The applicant's name is folded by ``intake_fold`` — the same IMMUTABLE translate() over every Vietnamese
letter as catalog's (servicekit.vntext), so usable in a generated column — and served by a pg_trgm GIN index
(``LIKE '%…%'``). CCCD and phone (``+84`` → ``0``) are generated columns with plain indexes. Listings are per
agency: composite indexes on the agency and each sort key; a partial one over open dossiers serves the
overdue and due-soon filters.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from servicekit.vntext import fold_function_sql

revision = "intake_0005"
down_revision = "intake_0004"
branch_labels = None
depends_on = None

OPEN = "status IN ('accepted', 'processing')"


def _append_only(table: str) -> None:
    op.execute(f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
               "FOR EACH ROW EXECUTE FUNCTION intake_append_only()")
    op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
               "FOR EACH STATEMENT EXECUTE FUNCTION intake_append_only()")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(fold_function_sql("intake_fold"))
    op.add_column("dossiers", sa.Column(
        "search_name", sa.Text, sa.Computed("intake_fold(applicant->>'full_name')", persisted=True)))
    op.add_column("dossiers", sa.Column(
        "applicant_id_number", sa.Text, sa.Computed("applicant->>'id_number'", persisted=True)))
    op.add_column("dossiers", sa.Column(
        "applicant_phone", sa.Text, sa.Computed("regexp_replace(applicant->>'phone', '^\\+84', '0')", persisted=True)))
    op.execute("CREATE INDEX ix_dossiers_search_name_trgm ON dossiers USING gin (search_name gin_trgm_ops)")
    op.create_index("ix_dossiers_applicant_id_number", "dossiers", ["applicant_id_number"])
    op.create_index("ix_dossiers_applicant_phone", "dossiers", ["applicant_phone"])
    op.create_index("ix_dossiers_agency_submitted", "dossiers", ["agency_code", "submitted_at"])
    op.create_index("ix_dossiers_agency_received", "dossiers", ["agency_code", "received_at"])
    op.create_index("ix_dossiers_agency_due", "dossiers", ["agency_code", "due_at"])
    op.create_index("ix_dossiers_agency_status_submitted", "dossiers", ["agency_code", "status", "submitted_at"])
    op.create_index("ix_dossiers_agency_open_due", "dossiers", ["agency_code", "due_at"],
                    postgresql_where=sa.text(OPEN))
    op.create_index("ix_dossiers_open_due", "dossiers", ["due_at"], postgresql_where=sa.text(OPEN))
    op.create_index("ix_dossiers_submitted_at", "dossiers", ["submitted_at"])

    op.create_table(
        "dossier_partners",
        sa.Column("dossier_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("dossiers.id", name="fk_dossier_partners_dossier_id_dossiers"), primary_key=True),
        sa.Column("agency_code", sa.String(20), primary_key=True),
        sa.Column("handoff_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dossier_partners_agency_code", "dossier_partners", ["agency_code"])
    op.create_table(
        "dossier_process_files",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("dossier_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("dossiers.id", name="fk_dossier_process_files_dossier_id_dossiers"), nullable=False),
        sa.Column("file_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("files.id", name="fk_dossier_process_files_file_id_files"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("step", sa.String(60)),
        sa.Column("action", sa.String(40)),
        sa.Column("actor_id", sa.String(100)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dossier_id", "file_id", name="uq_dossier_process_files_dossier_id"),
    )
    op.create_index("ix_dossier_process_files_dossier_id", "dossier_process_files", ["dossier_id"])
    op.create_index("ix_dossier_process_files_file_id", "dossier_process_files", ["file_id"])

    op.create_table(
        "dossier_reads",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(100), nullable=False),
        sa.Column("actor_name", sa.String(200)),
        sa.Column("role", sa.String(120), nullable=False),
        sa.Column("agency_code", sa.String(20)),
        sa.Column("dossier_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("dossier_code", sa.String(100), nullable=False),
        sa.Column("what", sa.String(20), nullable=False),
        sa.Column("file_id", postgresql.UUID(as_uuid=True)),
        sa.Column("file_name", sa.Text),
    )
    op.create_index("ix_dossier_reads_dossier_code_id", "dossier_reads", ["dossier_code", "id"])
    op.execute("""
        CREATE FUNCTION intake_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END $$;
    """)
    _append_only("dossier_reads")


def downgrade() -> None:
    op.drop_table("dossier_reads")
    op.execute("DROP FUNCTION IF EXISTS intake_append_only()")
    op.drop_table("dossier_process_files")
    op.drop_table("dossier_partners")
    for name in ("ix_dossiers_submitted_at", "ix_dossiers_open_due", "ix_dossiers_agency_open_due",
                 "ix_dossiers_agency_status_submitted", "ix_dossiers_agency_due", "ix_dossiers_agency_received",
                 "ix_dossiers_agency_submitted", "ix_dossiers_applicant_phone", "ix_dossiers_applicant_id_number",
                 "ix_dossiers_search_name_trgm"):
        op.drop_index(name, "dossiers")
    for column in ("applicant_phone", "applicant_id_number", "search_name"):
        op.drop_column("dossiers", column)
    op.execute("DROP FUNCTION IF EXISTS intake_fold(text)")
