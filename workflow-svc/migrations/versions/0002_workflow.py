"""workflow tables: definitions, dossiers, append-only action log, hand-offs, consultations, timers

Revision ID: workflow_0002
Revises:
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "workflow_0002"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "workflow_definitions",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("procedure_code", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("created_by", sa.String(200)),
        sa.UniqueConstraint("procedure_code", "version", name="uq_workflow_definitions_procedure_code"),
    )
    op.create_table(
        "workflow_dossiers",
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("procedure_code", sa.String(60), nullable=False),
        sa.Column("procedure_name", sa.String(500)),
        sa.Column("agency_code", sa.String(30), nullable=False),
        sa.Column("applicant_name", sa.String(200)),
        sa.Column("definition_code", sa.String(60), nullable=False),
        sa.Column("definition_version", sa.Integer, nullable=False),
        sa.Column("definition", JSONB, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("step", sa.String(50), nullable=False),
        sa.Column("step_role", sa.String(20)),
        sa.Column("step_agency", sa.String(30)),
        sa.Column("step_seq", sa.Integer, nullable=False),
        sa.Column("step_entered_at", TZ, nullable=False),
        sa.Column("step_due_at", TZ),
        sa.Column("assignee_id", sa.String(64)),
        sa.Column("assignee_name", sa.String(200)),
        sa.Column("handoff_id", sa.String(40)),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("original_due_at", TZ, nullable=False),
        sa.Column("finished_at", TZ),
        sa.Column("paused_at", TZ),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("draft_documents", JSONB, nullable=False),
        sa.Column("refusal_reason", sa.Text),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_workflow_dossiers_tasks", "workflow_dossiers", ["step_agency", "step_role", "step_due_at"],
                    postgresql_where=sa.text("status = 'active'"))
    op.create_index("ix_workflow_dossiers_agency", "workflow_dossiers", ["agency_code"])
    op.create_table(
        "workflow_actions",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("dossier_code", sa.String(60), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor_id", sa.String(64)),
        sa.Column("actor_name", sa.String(200)),
        sa.Column("actor_role", sa.String(20)),
        sa.Column("actor_agency", sa.String(30)),
        sa.Column("actor_department", sa.String(200)),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_step", sa.String(50)),
        sa.Column("to_step", sa.String(50)),
        sa.Column("comment", sa.Text),
        sa.Column("reason", sa.Text),
        sa.Column("assignee_id", sa.String(64)),
        sa.Column("target_agency", sa.String(30)),
        sa.Column("documents", JSONB, nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.UniqueConstraint("dossier_code", "seq", name="uq_workflow_actions_dossier_code"),
    )
    # Append-only: the log is the source of truth; nobody rewrites it (R-SEC-2).
    op.execute("""
        CREATE FUNCTION workflow_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'workflow_actions is append-only'; END $$;
    """)
    op.execute("""
        CREATE TRIGGER workflow_actions_no_change BEFORE UPDATE OR DELETE ON workflow_actions
        FOR EACH ROW EXECUTE FUNCTION workflow_actions_append_only();
    """)
    op.create_table(
        "workflow_handoffs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("dossier_code", sa.String(60), nullable=False),
        sa.Column("lead_agency", sa.String(30), nullable=False),
        sa.Column("target_agency", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("requested_by", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("answered_at", TZ),
        sa.Column("completed_at", TZ),
        sa.Column("result", sa.Text),
        sa.Column("documents", JSONB, nullable=False),
    )
    op.create_index("ix_workflow_handoffs_dossier_code", "workflow_handoffs", ["dossier_code"])
    op.create_index("ix_workflow_handoffs_target", "workflow_handoffs", ["target_agency", "dossier_code"])
    op.create_table(
        "workflow_consultations",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("dossier_code", sa.String(60), nullable=False),
        sa.Column("agency_code", sa.String(30), nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("question", sa.Text),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("requested_by", sa.String(200)),
        sa.Column("due_at", TZ),
        sa.Column("opinion", sa.Text),
        sa.Column("answered_by", sa.String(200)),
        sa.Column("answered_at", TZ),
    )
    op.create_index("ix_workflow_consultations_dossier_code", "workflow_consultations", ["dossier_code"])
    op.create_index("ix_workflow_consultations_open", "workflow_consultations", ["agency_code", "department", "due_at"],
                    postgresql_where=sa.text("status = 'open'"))
    op.create_table(
        "workflow_timers",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("dossier_code", sa.String(60), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("fire_at", TZ, nullable=False),
        sa.Column("token", sa.Integer, nullable=False),
        sa.Column("fired_at", TZ),
        sa.Column("outcome", sa.String(20)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_workflow_timers_due", "workflow_timers", ["fire_at"],
                    postgresql_where=sa.text("fired_at IS NULL"))
    op.create_index("ix_workflow_timers_dossier", "workflow_timers", ["dossier_code"])


def downgrade() -> None:
    op.drop_table("workflow_timers")
    op.drop_table("workflow_consultations")
    op.drop_table("workflow_handoffs")
    op.execute("DROP TRIGGER workflow_actions_no_change ON workflow_actions")
    op.execute("DROP FUNCTION workflow_actions_append_only()")
    op.drop_table("workflow_actions")
    op.drop_table("workflow_dossiers")
    op.drop_table("workflow_definitions")
