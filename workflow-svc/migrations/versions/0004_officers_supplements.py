"""officers projected from the gateway; supplements during processing; the dossier's owner

Revision ID: workflow_0004
Revises: workflow_0003
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "workflow_0004"
down_revision = "workflow_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workflow_officers",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(50), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("roles", JSONB, nullable=False),
        sa.Column("agency_code", sa.String(30)),
        sa.Column("department", sa.String(200)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_workflow_officers_agency", "workflow_officers", ["agency_code", "username"])
    op.add_column("workflow_dossiers", sa.Column("owner_id", sa.String(64)))
    op.add_column("workflow_dossiers", sa.Column("supplement_rounds", sa.Integer, nullable=False,
                                                 server_default="0"))
    op.add_column("workflow_dossiers", sa.Column("previous_assignee_id", sa.String(64)))


def downgrade() -> None:
    op.drop_column("workflow_dossiers", "previous_assignee_id")
    op.drop_column("workflow_dossiers", "supplement_rounds")
    op.drop_column("workflow_dossiers", "owner_id")
    op.drop_table("workflow_officers")
