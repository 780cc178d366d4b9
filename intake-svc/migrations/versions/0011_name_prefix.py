"""officer search: a name typed in its usual order (family name first) counted from a B-tree alone

Revision ID: intake_0011
Revises: intake_0010
Create Date: 2026-12-06

A search by name counts its matches up to 1,001 (totals exact up to 1,000): through the keys' GIN index that
visits 1,001 rows of the table for a common name, ~50 ms when they are not in memory (2,000,000 dossiers, a
loaded 2-core machine). The names that begin with the words typed, in that order ("nguyen van", "nguyen thi
chau"), are a part of the matches that B-trees over the stored words (``search_words``, compared as arrays,
element by element, byte order) count without the table (index-only scans): when they reach 1,001, so do the
matches, and the table is not read for the count.
"""
from alembic import op

revision = "intake_0011"
down_revision = "intake_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE INDEX ix_dossiers_name_prefix ON dossiers (search_words COLLATE "C")')
    op.execute('CREATE INDEX ix_dossiers_agency_name_prefix ON dossiers (agency_code, search_words COLLATE "C")')


def downgrade() -> None:
    op.drop_index("ix_dossiers_agency_name_prefix", "dossiers")
    op.drop_index("ix_dossiers_name_prefix", "dossiers")
