"""catalog: sectors, agencies, procedures with revisions, form templates, Vietnamese search

Revision ID: catalog_0002
Revises:
Create Date: 2026-11-29

Search folds text with ``catalog_fold`` — our own IMMUTABLE function (servicekit.vntext.fold_function_sql:
translate() over every Vietnamese letter, đ included) rather than ``unaccent``, which is only STABLE (so unusable
in a generated column or index), depends on a dictionary file, and does not map đ → d in every version. ``pg_trgm`` (a trusted
contrib extension shipped with every PostgreSQL build, the embedded one included) gives the GIN index
that serves ILIKE and word similarity on the folded generated column.
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from servicekit.vntext import fold_function_sql

revision = "catalog_0002"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(fold_function_sql("catalog_fold"))
    op.create_table(
        "sectors",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
    )
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(13), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("parent_code", sa.String(13), sa.ForeignKey("agencies.code", name="fk_agencies_parent_code_agencies")),
    )
    op.create_table(
        "procedures",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sector_code", sa.String(32), sa.ForeignKey("sectors.code", name="fk_procedures_sector_code_sectors"),
                  nullable=False),
        sa.Column("agency_code", sa.String(13),
                  sa.ForeignKey("agencies.code", name="fk_procedures_agency_code_agencies"), nullable=False),
        sa.Column("level", sa.SmallInteger, nullable=False),
        sa.Column("online_class", sa.String(10), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("body", postgresql.JSONB, nullable=False),
        sa.Column("search_name", sa.Text, sa.Computed("catalog_fold(name)", persisted=True)),
        sa.Column("search_doc", sa.Text, sa.Computed(
            "catalog_fold(code || ' ' || name || ' ' || coalesce(body->>'result', '') || ' ' "
            "|| coalesce(body->>'applicants', ''))", persisted=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name="ck_procedures_level"),
        sa.CheckConstraint("online_class IN ('full', 'partial', 'info')", name="ck_procedures_online_class"),
    )
    op.create_index("ix_procedures_sector_code", "procedures", ["sector_code"])
    op.create_index("ix_procedures_agency_code", "procedures", ["agency_code"])
    op.create_index("ix_procedures_level", "procedures", ["level"])
    op.execute("CREATE INDEX ix_procedures_search_name_trgm ON procedures USING gin (search_name gin_trgm_ops)")
    op.execute("CREATE INDEX ix_procedures_search_doc_trgm ON procedures USING gin (search_doc gin_trgm_ops)")
    op.create_table(
        "procedure_revisions",
        sa.Column("procedure_code", sa.String(64),
                  sa.ForeignKey("procedures.code", name="fk_procedure_revisions_procedure_code_procedures"),
                  primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("body", postgresql.JSONB, nullable=False),
        sa.Column("changes", postgresql.JSONB, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("changed_by", sa.String(100), nullable=False),
        sa.Column("changed_by_id", sa.String(64), nullable=False),
        sa.Column("changed_by_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("note", sa.Text),
    )
    # Form bytes are content-addressed (sha256) inside PostgreSQL: stored in the same transaction as the
    # revision that lists them, shared by every replica, backed up with the catalog.
    op.create_table(
        "form_blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "procedure_forms",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("procedure_code", sa.String(64),
                  sa.ForeignKey("procedures.code", name="fk_procedure_forms_procedure_code_procedures"),
                  nullable=False, index=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("form_blobs.sha256", name="fk_procedure_forms_sha256_form_blobs"),
                  nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("procedure_forms")
    op.drop_table("form_blobs")
    op.drop_table("procedure_revisions")
    op.drop_table("procedures")
    op.drop_table("agencies")
    op.drop_table("sectors")
    op.execute("DROP FUNCTION catalog_fold(text)")
