"""officer search: the province's page of a common full name from the names' pairs too

Revision ID: intake_0013
Revises: intake_0012
Create Date: 2026-12-06

intake_0012's B-tree holds a pair's rows by agency, then submission: an agency's page of a name is that range in
order, but the province's, past 1,000 matches, was still read month by month through the keys' GIN index and the
table (the inspector's full name p95 41-56 ms at 2,000,000 dossiers, load 8-11). The same rows ordered by pair, then
submission, give the province's page in order whatever the number of matches: read backwards (newest first) until
the page is full, the other words filtered on the INCLUDEd name, then only the page's dossiers read.
"""
from alembic import op

revision = "intake_0013"
down_revision = "intake_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute("CREATE INDEX ix_dossier_name_pairs_province ON dossier_name_pairs (pair, submitted_at, code) "
               "INCLUDE (words)")


def downgrade() -> None:
    op.drop_index("ix_dossier_name_pairs_province", "dossier_name_pairs")
