"""counter dossiers imported from one-stop software have no owner; action rows found by event id

Revision ID: intake_0004
Revises: intake_0003
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "intake_0004"
down_revision = "intake_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("dossiers", "owner_id", existing_type=sa.String(100), nullable=True)
    op.alter_column("dossiers", "code", existing_type=sa.String(40), type_=sa.String(100))
    op.create_index("ix_dossier_actions_dossier_id_event_id", "dossier_actions", ["dossier_id", "event_id"])


def downgrade() -> None:
    op.drop_index("ix_dossier_actions_dossier_id_event_id", "dossier_actions")
    op.alter_column("dossiers", "code", existing_type=sa.String(100), type_=sa.String(40))
    op.alter_column("dossiers", "owner_id", existing_type=sa.String(100), nullable=False)
