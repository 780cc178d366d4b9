"""catalog search at province scale: the inter-agency partners as a small stored column (no detoasting of the
whole body to filter by agency), indexed for the ``agency`` filter.

Revision ID: catalog_0004
Revises: catalog_0003
Create Date: 2026-12-01
"""
from alembic import op

revision = "catalog_0004"
down_revision = "catalog_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE procedures ADD COLUMN interagency jsonb "
               "GENERATED ALWAYS AS (coalesce(body->'interagency', '[]'::jsonb)) STORED")
    op.execute("CREATE INDEX ix_procedures_interagency ON procedures USING gin (interagency jsonb_path_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_procedures_interagency")
    op.execute("ALTER TABLE procedures DROP COLUMN interagency")
