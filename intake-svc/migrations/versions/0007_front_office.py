"""the front office's day: when the reception limit of an online dossier ends (Decree 45/2020: 8 working hours)
and which supplement round was asked during processing

Revision ID: intake_0007
Revises: intake_0006
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0007"
down_revision = "intake_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("dossiers", sa.Column("reception_due_at", sa.DateTime(timezone=True)))
    op.add_column("dossiers", sa.Column("reception_decided_at", sa.DateTime(timezone=True)))
    # set while the applicant is asked to supplement by processing (not by the desk): the supplement returns
    # the dossier to processing instead of the desk
    op.add_column("dossiers", sa.Column("supplement_stage", sa.String(20)))
    # the desk's queue sorted by the end of the reception limit (search's sort key reception_due_at)
    op.create_index("ix_dossiers_agency_reception_due", "dossiers", ["agency_code", "reception_due_at"])


def downgrade() -> None:
    op.drop_index("ix_dossiers_agency_reception_due", "dossiers")
    op.drop_column("dossiers", "supplement_stage")
    op.drop_column("dossiers", "reception_decided_at")
    op.drop_column("dossiers", "reception_due_at")
