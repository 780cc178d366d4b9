"""one procedure, many places to file: the agencies that carry a procedure out, as a small stored column
indexed for the ``agency`` filter (every commune's procedures)

Revision ID: catalog_0005
Revises: catalog_0004
Create Date: 2026-12-06
"""
from alembic import op

revision = "catalog_0005"
down_revision = "catalog_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE procedures ADD COLUMN agencies jsonb "
               "GENERATED ALWAYS AS (coalesce(body->'agencies', '[]'::jsonb)) STORED")
    op.execute("CREATE INDEX ix_procedures_agencies ON procedures USING gin (agencies jsonb_path_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_procedures_agencies")
    op.execute("ALTER TABLE procedures DROP COLUMN agencies")
