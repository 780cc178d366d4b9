"""send lease on deliveries, dossier contacts and tasks projections, in-app inbox

Revision ID: notify_0003
Revises: notify_0002
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "notify_0003"
down_revision = "notify_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("dossier_code", sa.String(64)))
    op.add_column("deliveries", sa.Column("claimed_at", sa.DateTime(timezone=True)))
    op.add_column("deliveries", sa.Column("failed_at", sa.DateTime(timezone=True)))
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status IN ('pending', 'sending')"))
    op.create_index("ix_deliveries_status", "deliveries", ["status", "created_at"])
    op.create_index("ix_deliveries_dossier_code", "deliveries", ["dossier_code"])

    op.create_table(
        "dossier_contacts",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.String(64)),
        sa.Column("email", sa.String(254)),
        sa.Column("phone", sa.String(32)),
        sa.Column("name", sa.Text),
        sa.Column("agency_code", sa.String(64)),
        sa.Column("procedure_name", sa.Text),
        sa.Column("return_method", sa.String(20)),
        sa.Column("received_at", sa.DateTime(timezone=True)),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "dossier_tasks",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("agency_code", sa.String(64), nullable=False),
        sa.Column("assignee_id", sa.String(64)),
        sa.Column("step", sa.String(64)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "notifications",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("audience", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("role", sa.String(40)),
        sa.Column("agency_code", sa.String(64)),
        sa.Column("dossier_code", sa.String(64)),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("event_id", "audience", name="uq_notifications_event_audience"),
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "at"])
    op.create_index("ix_notifications_role_agency", "notifications", ["role", "agency_code", "at"])
    op.create_table(
        "notification_reads",
        sa.Column("notification_id", postgresql.UUID(as_uuid=True),
                  sa.ForeignKey("notifications.id", ondelete="CASCADE",
                                name="fk_notification_reads_notification_id_notifications"),
                  primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("notification_reads")
    op.drop_table("notifications")
    op.drop_table("dossier_tasks")
    op.drop_table("dossier_contacts")
    op.drop_index("ix_deliveries_dossier_code", table_name="deliveries")
    op.drop_index("ix_deliveries_status", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index("ix_deliveries_due", "deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))
    op.drop_column("deliveries", "failed_at")
    op.drop_column("deliveries", "claimed_at")
    op.drop_column("deliveries", "dossier_code")
