"""the citizen's voice in the statistics: each dossier's satisfaction rating (1–5, when given) in the projection,
and the feedback (phản ánh, kiến nghị) each agency received and answered, with its deadline

Revision ID: catalog_0007
Revises: catalog_0006
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "catalog_0007"
down_revision = "catalog_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE stats_dossiers ADD COLUMN rating_overall smallint, ADD COLUMN rated_at timestamptz")
    op.create_table(
        "stats_feedback",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("agency_code", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.Column("overdue_flagged", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_stats_feedback_agency_code", "stats_feedback", ["agency_code", "received_at"])


def downgrade() -> None:
    op.drop_table("stats_feedback")
    op.execute("ALTER TABLE stats_dossiers DROP COLUMN rated_at, DROP COLUMN rating_overall")
