"""an agency's contact details kept by the administrators: address, phone, email

Revision ID: catalog_0010
Revises: catalog_0009
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "catalog_0010"
down_revision = "catalog_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("agencies", sa.Column("address", sa.String(500)))
    op.add_column("agencies", sa.Column("phone", sa.String(30)))
    op.add_column("agencies", sa.Column("email", sa.String(200)))


def downgrade() -> None:
    for column in ("email", "phone", "address"):
        op.drop_column("agencies", column)
