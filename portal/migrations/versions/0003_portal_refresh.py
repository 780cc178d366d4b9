"""the gateway's refresh token kept with a web session (access tokens are short-lived)

Revision ID: portal_0003
Revises: portal_0002
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "portal_0003"
down_revision = "portal_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("web_sessions", sa.Column("refresh_token", sa.Text))


def downgrade() -> None:
    op.drop_column("web_sessions", "refresh_token")
