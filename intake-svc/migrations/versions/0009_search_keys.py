"""officer search by name at province scale: word-pair keys, per agency and per month, in one GIN index

Revision ID: intake_0009
Revises: intake_0008
Create Date: 2026-12-06

Measured on 2,000,000 dossiers (intake-svc/bench/search_bench.py), the GIN index over ``search_words`` (the name's
folded words and ``@<agency>``) spent 40-90 ms decoding posting lists for a common name: "nguyen van" in the
largest agency intersected ``@<agency>`` (141,000 dossiers) with "nguyen" (760,000) and "van" (400,000), and
the auditor's "nguyen thi chau" read "nguyen" and "thi" whole to find 5,000 dossiers. ``intake_search_keys``
gives each dossier, from its applicant's folded name (the same ``intake_fold``), keys whose posting lists are
about as short as the answers:

- each word ``w`` and each pair of its distinct words ``u+v`` (``u`` < ``v``): the province (auditors);
- the same with ``@<agency code>``: one agency's search reads only that agency's postings;
- the same with ``#<YYMM>``, the month the dossier was submitted (Vietnam time): the province's search sorted by
  submission, when it matches more than a page can show, reads month by month from the newest and stops.

A search by two or more words asks for all their pairs (a pair holds only where both words are in the name, so
the answer is exact); one word asks for the word. Words are a-z and 0-9, agency codes hold no "+" nor "#": no
key of one kind is a key of another. ``search_words`` stays (its GIN index goes): its words filter the rows an
agency's listing walks in order.
"""
from alembic import op

revision = "intake_0009"
down_revision = "intake_0008"
branch_labels = None
depends_on = None

KEYS_FUNCTION = """
CREATE FUNCTION intake_search_keys(name text, agency text, submitted timestamptz) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE COST 500 AS $$
    WITH words AS (SELECT DISTINCT unnest(string_to_array({schema}.intake_fold(name), ' ')) AS w),
         bases AS (SELECT w AS k FROM words
                   UNION ALL SELECT a.w || '+' || b.w FROM words a JOIN words b ON a.w < b.w COLLATE "C")
    SELECT array_agg(key) FROM bases,
        unnest(ARRAY[k, k || '@' || agency,
                     k || '#' || to_char(submitted AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMM')]) AS key
$$
"""
INDEX = ("CREATE INDEX ix_dossiers_search_keys ON dossiers USING gin "
         "(intake_search_keys(applicant->>'full_name', agency_code, submitted_at))")


def upgrade() -> None:
    # an index is built with a search_path of pg_catalog alone: the fold is named with its schema
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()
    op.execute(KEYS_FUNCTION.replace("{schema}", f'"{schema}"'))
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute(INDEX)
    op.drop_index("ix_dossiers_search_words", "dossiers")


def downgrade() -> None:
    op.execute("CREATE INDEX ix_dossiers_search_words ON dossiers USING gin (search_words)")
    op.drop_index("ix_dossiers_search_keys", "dossiers")
    op.execute("DROP FUNCTION intake_search_keys(text, text, timestamptz)")
