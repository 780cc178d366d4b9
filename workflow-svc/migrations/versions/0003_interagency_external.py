"""inter-agency partners and agency name on dossiers, one-stop systems, timer firing replica

Revision ID: workflow_0003
Revises: workflow_0002
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "workflow_0003"
down_revision = "workflow_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workflow_dossiers", sa.Column("interagency", JSONB, nullable=False,
                                                 server_default=sa.text("'[]'::jsonb")))
    op.add_column("workflow_dossiers", sa.Column("agency_name", sa.String(300)))
    op.add_column("workflow_handoffs", sa.Column("system_code", sa.String(100)))
    op.add_column("workflow_timers", sa.Column("fired_by", sa.String(100)))
    op.create_table(
        "workflow_external_systems",
        sa.Column("system_code", sa.String(100), primary_key=True),
        sa.Column("agency_code", sa.String(30), nullable=False),
        sa.Column("name", sa.String(300)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_workflow_external_systems_agency", "workflow_external_systems", ["agency_code"],
                    postgresql_where=sa.text("active"))


def downgrade() -> None:
    op.drop_table("workflow_external_systems")
    op.drop_column("workflow_timers", "fired_by")
    op.drop_column("workflow_handoffs", "system_code")
    op.drop_column("workflow_dossiers", "agency_name")
    op.drop_column("workflow_dossiers", "interagency")
