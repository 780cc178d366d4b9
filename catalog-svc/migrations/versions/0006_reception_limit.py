"""the desk's reception limit in the statistics: when the 8 working hours to check an online dossier ended
(Decree 45/2020) and when the desk first decided; dossiers past it are counted (``reception_overdue``)

Revision ID: catalog_0006
Revises: catalog_0005
Create Date: 2026-12-06
"""
from alembic import op

revision = "catalog_0006"
down_revision = "catalog_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE stats_dossiers ADD COLUMN reception_due_at timestamptz, "
               "ADD COLUMN reception_decided_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE stats_dossiers DROP COLUMN reception_decided_at, DROP COLUMN reception_due_at")
