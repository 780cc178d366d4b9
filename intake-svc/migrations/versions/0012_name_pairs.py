"""officer search: a name's matches counted, and its page found, from a B-tree alone

Revision ID: intake_0012
Revises: intake_0011
Create Date: 2026-12-06

A search by a full name ("vo thi nhung") matched a few hundred dossiers through the keys' GIN index (intake_0009),
then read every one of them from the table to count them and sort them: a GIN index cannot answer without the
table, and PostgreSQL's bitmap scans no longer skip the table's all-visible pages. At 2,000,000 dossiers, uncached,
that was ~50-95 µs a row: 41 ms for 404 rows of the province, a p95 of 54-93 ms.

``dossier_name_pairs`` holds, for each dossier, one row per pair of distinct words of its applicant's folded name
(the pairs of intake_search_keys, ``u+v`` with ``u`` < ``v``) with its agency, submission time and code, and the
folded name between spaces (INCLUDE; " nguyen van an ": a third of the size of its words as an array). A search by
two words or more reads one pair's rows (the rarest), keeps those whose name holds each other word typed (LIKE
'% word %'), and counts them with an index-only scan; its page is the first rows of that range in order of
submission (per agency: in the index's own order), then only that many dossiers read, by their code.

Triggers on ``dossiers`` write the pairs in the dossier's own transaction (insert, a corrected name, agency,
submission time or code, delete): the application never writes them.
"""
from alembic import op

revision = "intake_0012"
down_revision = "intake_0011"
branch_labels = None
depends_on = None

PAIRS_FUNCTION = """
CREATE FUNCTION intake_name_pairs(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    WITH words AS (SELECT DISTINCT unnest(string_to_array({schema}.intake_fold(name), ' ')) AS w)
    SELECT coalesce(array_agg(a.w || '+' || b.w), '{}') FROM words a JOIN words b ON a.w < b.w COLLATE "C"
$$
"""


def rows(d: str, schema: str, source: str = "") -> str:
    """The pairs of dossier ``d``: NEW in a row's trigger, else every row of ``source`` (a statement's inserted rows,
    or the whole table when it is filled below)."""
    return (f"SELECT pair, {d}.agency_code, {d}.submitted_at, {d}.code, "
            f"' ' || {schema}.intake_fold({d}.applicant->>'full_name') || ' ' "
            f"FROM {source}unnest({schema}.intake_name_pairs({d}.applicant->>'full_name')) AS pair")


# one function for three triggers: a statement's inserted dossiers at once (a bulk load as one INSERT … SELECT),
# its deleted ones at once, and a row's update (a corrected name, agency, code or submission time); PL/pgSQL plans
# a statement when it first runs it, so each branch names only the transition table its own trigger has
SYNC_FUNCTION = """
CREATE FUNCTION intake_name_pairs_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {schema}.dossier_name_pairs {added};
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM {schema}.dossier_name_pairs p USING removed d
        WHERE p.pair = ANY ({schema}.intake_name_pairs(d.applicant->>'full_name'))
          AND p.agency_code = d.agency_code AND p.submitted_at = d.submitted_at AND p.code = d.code;
    ELSE
        DELETE FROM {schema}.dossier_name_pairs
        WHERE pair = ANY ({schema}.intake_name_pairs(OLD.applicant->>'full_name'))
          AND agency_code = OLD.agency_code AND submitted_at = OLD.submitted_at AND code = OLD.code;
        INSERT INTO {schema}.dossier_name_pairs {updated};
    END IF;
    RETURN NULL;
END $$
"""
INDEX = ("CREATE INDEX ix_dossier_name_pairs ON dossier_name_pairs "
         "(pair, agency_code, submitted_at, code) INCLUDE (words)")


def upgrade() -> None:
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()
    qualified = f'"{schema}"'
    op.execute(PAIRS_FUNCTION.replace("{schema}", qualified))
    # no primary key: its B-trees are the access paths (this one per agency; intake_0013 adds the province's)
    op.execute("""
        CREATE TABLE dossier_name_pairs (
            pair text COLLATE "C" NOT NULL,
            agency_code varchar(20) NOT NULL,
            submitted_at timestamptz NOT NULL,
            code varchar(100) NOT NULL,
            words text NOT NULL
        )""")
    op.execute("INSERT INTO dossier_name_pairs " + rows("d", qualified, "dossiers d, "))
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")
    op.execute(INDEX)
    op.execute(SYNC_FUNCTION.replace("{added}", rows("d", qualified, "added d, "))
               .replace("{updated}", rows("NEW", qualified)).replace("{schema}", qualified))
    op.execute("CREATE TRIGGER dossiers_name_pairs_insert AFTER INSERT ON dossiers REFERENCING NEW TABLE AS added "
               "FOR EACH STATEMENT EXECUTE FUNCTION intake_name_pairs_sync()")
    op.execute("CREATE TRIGGER dossiers_name_pairs_delete AFTER DELETE ON dossiers REFERENCING OLD TABLE AS removed "
               "FOR EACH STATEMENT EXECUTE FUNCTION intake_name_pairs_sync()")
    # a row at a time, only when what the pairs hold changes: a dossier's status or dates change often (a statement
    # trigger would run for each of those), its name almost never
    op.execute("CREATE TRIGGER dossiers_name_pairs_update AFTER UPDATE ON dossiers FOR EACH ROW WHEN ("
               "OLD.applicant->>'full_name' IS DISTINCT FROM NEW.applicant->>'full_name' "
               "OR OLD.agency_code IS DISTINCT FROM NEW.agency_code OR OLD.submitted_at IS DISTINCT FROM NEW.submitted_at "
               "OR OLD.code IS DISTINCT FROM NEW.code) EXECUTE FUNCTION intake_name_pairs_sync()")


def downgrade() -> None:
    op.execute("DROP TRIGGER dossiers_name_pairs_update ON dossiers")
    op.execute("DROP TRIGGER dossiers_name_pairs_delete ON dossiers")
    op.execute("DROP TRIGGER dossiers_name_pairs_insert ON dossiers")
    op.execute("DROP FUNCTION intake_name_pairs_sync()")
    op.execute("DROP TABLE dossier_name_pairs")
    op.execute("DROP FUNCTION intake_name_pairs(text)")
