"""the citizen's voice: satisfaction ratings (one per dossier), feedback and recommendations routed to agencies,
and the hashes of the papers issued (form 01) for the public verification page

Revision ID: intake_0008
Revises: intake_0007
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "intake_0008"
down_revision = "intake_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier_ratings",
        sa.Column("dossier_id", UUID(as_uuid=True), sa.ForeignKey("dossiers.id", name="fk_dossier_ratings_dossier_id_dossiers"),
                  primary_key=True),
        sa.Column("agency_code", sa.String(20), nullable=False),
        sa.Column("procedure_code", sa.String(60), nullable=False),
        sa.Column("rater_id", sa.String(100), nullable=False),
        sa.Column("overall", sa.SmallInteger, nullable=False),
        sa.Column("timeliness", sa.SmallInteger),
        sa.Column("conduct", sa.SmallInteger),
        sa.Column("guidance", sa.SmallInteger),
        sa.Column("comment", sa.Text),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("overall BETWEEN 1 AND 5", name="ck_dossier_ratings_overall"),
    )
    op.create_index("ix_dossier_ratings_agency_code", "dossier_ratings", ["agency_code"])
    op.create_table(
        "feedback",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("about", sa.String(20), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("agency_code", sa.String(20), nullable=False),
        sa.Column("subject_name", sa.Text),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("author_id", sa.String(100), nullable=False),
        sa.Column("author_name", sa.Text),
        sa.Column("author_email", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("answered_by", sa.String(100)),
        sa.Column("answered_by_name", sa.Text),
        sa.Column("public", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("reminded_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_feedback_author_id", "feedback", ["author_id"])
    op.create_index("ix_feedback_agency_status_due", "feedback", ["agency_code", "status", "due_at"])
    op.create_index("ix_feedback_public_answered", "feedback", ["answered_at"], postgresql_where=sa.text("public"))
    op.create_table(
        "issued_papers",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("dossier_id", UUID(as_uuid=True), sa.ForeignKey("dossiers.id", name="fk_issued_papers_dossier_id_dossiers"),
                  nullable=False),
        sa.Column("form", sa.String(10), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("signer", sa.Text),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dossier_id", "sha256", name="uq_issued_papers_dossier_id"),
    )
    op.create_index("ix_issued_papers_dossier_id", "issued_papers", ["dossier_id"])


def downgrade() -> None:
    op.drop_table("issued_papers")
    op.drop_table("feedback")
    op.drop_table("dossier_ratings")
