"""stats: append-only copy of consumed dossier events, the generation-keyed projection, report jobs

Revision ID: catalog_0003
Revises: catalog_0002
Create Date: 2026-11-30

``stats_events`` keeps every consumed event once (event id unique); the projection ``stats_dossiers`` is
a fold of those events per dossier, LIST-partitioned by generation. A rebuild folds the stored events
into a new partition while the consumers keep writing to both, then flips ``stats_state`` in one row
update; the previous partition is kept until the next rebuild (rollback, and no reader ever sees a
dropped partition under its feet).
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "catalog_0003"
down_revision = "catalog_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stats_events",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", postgresql.JSONB, nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_stats_events_dossier_code", "stats_events", ["dossier_code", "at", "seq"])
    op.execute(
        "CREATE FUNCTION stats_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION 'stats_events is append-only'; END $$")
    op.execute("CREATE TRIGGER tr_stats_events_append_only BEFORE UPDATE OR DELETE ON stats_events "
               "FOR EACH ROW EXECUTE FUNCTION stats_events_append_only()")
    op.execute("CREATE TRIGGER tr_stats_events_no_truncate BEFORE TRUNCATE ON stats_events "
               "FOR EACH STATEMENT EXECUTE FUNCTION stats_events_append_only()")

    op.create_table(
        "stats_generations",
        sa.Column("generation", sa.Integer, primary_key=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("activated_at", sa.DateTime(timezone=True)),
        sa.Column("events", sa.BigInteger),
        sa.CheckConstraint("state IN ('building', 'active', 'retired', 'dropped')", name="ck_stats_generations_state"),
    )
    op.create_table(
        "stats_state",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("active_generation", sa.Integer,
                  sa.ForeignKey("stats_generations.generation", name="fk_stats_state_active_generation_stats_generations"),
                  nullable=False),
        sa.CheckConstraint("id = 1", name="ck_stats_state_single_row"),
    )
    op.execute("INSERT INTO stats_generations (generation, state, activated_at) VALUES (1, 'active', now())")
    op.execute("INSERT INTO stats_state (id, active_generation) VALUES (1, 1)")

    op.execute("""
        CREATE TABLE stats_dossiers (
            generation integer NOT NULL,
            code varchar(64) NOT NULL,
            procedure_code varchar(64) NOT NULL,
            procedure_name text,
            agency_code varchar(13) NOT NULL,
            channel varchar(10) NOT NULL,
            applicant_name text,
            submitted_at timestamptz,
            received_at timestamptz,
            due_at timestamptz,
            current_due_at timestamptz,
            effective_due_at timestamptz,
            transferred_at timestamptz,
            finished_at timestamptz,
            outcome varchar(10),
            returned_at timestamptz,
            refused_at timestamptz,
            withdrawn_at timestamptz,
            supplement_rounds smallint NOT NULL DEFAULT 0,
            waiting_seconds integer NOT NULL DEFAULT 0,
            processing_seconds integer,
            timeliness smallint,
            extended boolean NOT NULL DEFAULT false,
            fee_due boolean NOT NULL DEFAULT false,
            paid_online boolean NOT NULL DEFAULT false,
            result_online boolean NOT NULL DEFAULT false,
            national_status smallint NOT NULL,
            first_at timestamptz NOT NULL,
            last_at timestamptz,
            last_seq bigint NOT NULL,
            CONSTRAINT pk_stats_dossiers PRIMARY KEY (generation, code),
            CONSTRAINT ck_stats_dossiers_timeliness CHECK (timeliness IN (1, 2, 3))
        ) PARTITION BY LIST (generation)""")
    # A period reads the dossiers alive in it: closed ones by when they closed, open ones (few) by when they came.
    op.execute("CREATE INDEX ix_stats_dossiers_agency_last ON stats_dossiers (generation, agency_code, last_at)")
    op.execute("CREATE INDEX ix_stats_dossiers_last ON stats_dossiers (generation, last_at)")
    op.execute("CREATE INDEX ix_stats_dossiers_agency_open ON stats_dossiers (generation, agency_code, first_at) "
               "WHERE last_at IS NULL")
    op.execute("CREATE INDEX ix_stats_dossiers_open ON stats_dossiers (generation, first_at) WHERE last_at IS NULL")
    op.execute("CREATE INDEX ix_stats_dossiers_agency_received ON stats_dossiers (generation, agency_code, received_at)")
    op.execute("CREATE INDEX ix_stats_dossiers_procedure ON stats_dossiers (generation, procedure_code)")
    op.execute("CREATE TABLE stats_dossiers_g1 PARTITION OF stats_dossiers FOR VALUES IN (1)")

    op.create_table(
        "report_jobs",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("params", postgresql.JSONB, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("progress", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("file_name", sa.String(200)),
        sa.Column("media_type", sa.String(120)),
        sa.Column("content", sa.LargeBinary),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="ck_report_jobs_state"),
    )


def downgrade() -> None:
    op.drop_table("report_jobs")
    op.execute("DROP TABLE stats_dossiers")
    op.drop_table("stats_state")
    op.drop_table("stats_generations")
    op.drop_table("stats_events")
    op.execute("DROP FUNCTION stats_events_append_only()")
