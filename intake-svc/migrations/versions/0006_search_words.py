"""officer search by name: whole folded words (and the agency) in a GIN index, instead of trigrams

Revision ID: intake_0006
Revises: intake_0005
Create Date: 2026-12-06

Measured on 2,000,000 dossiers (intake-svc/bench/search_bench.py), a name's trigrams are among the most
common of the province ("nguyen", "thi", "van"): the trigram index read hundreds of thousands of postings for
one name. Whole words, each a posting list of its own, are intersected by GIN's fast scan from the rarest one.
The array also holds the agency as one more element, ``@<agency code>`` (never a folded word: those are only
a-z and 0-9), so an officer's search is narrowed to the agency inside the same index, while listings by
agency keep their B-tree indexes (a GIN index on the agency column itself would be chosen for them, and is
much slower to count with).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "intake_0006"
down_revision = "intake_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_dossiers_search_name_trgm", "dossiers")
    op.drop_column("dossiers", "search_name")
    op.add_column("dossiers", sa.Column("search_words", postgresql.ARRAY(sa.Text), sa.Computed(
        "string_to_array(intake_fold(applicant->>'full_name'), ' ') || ('@' || agency_code::text)", persisted=True)))
    op.execute("CREATE INDEX ix_dossiers_search_words ON dossiers USING gin (search_words)")
    # a department's list by procedure and status (counted and walked in order of submission)
    op.create_index("ix_dossiers_agency_procedure_status", "dossiers",
                    ["agency_code", "procedure_code", "status", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_dossiers_agency_procedure_status", "dossiers")
    op.drop_index("ix_dossiers_search_words", "dossiers")
    op.drop_column("dossiers", "search_words")
    op.add_column("dossiers", sa.Column(
        "search_name", sa.Text, sa.Computed("intake_fold(applicant->>'full_name')", persisted=True)))
    op.execute("CREATE INDEX ix_dossiers_search_name_trgm ON dossiers USING gin (search_name gin_trgm_ops)")
