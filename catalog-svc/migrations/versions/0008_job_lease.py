"""report jobs are leased: the replica running one renews ``lease_until``; a job whose lease ran out (its replica
crashed) is claimed and run again by another replica, at most ``attempts`` times

Revision ID: catalog_0008
Revises: catalog_0007
Create Date: 2026-12-06
"""
from alembic import op

revision = "catalog_0008"
down_revision = "catalog_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE report_jobs ADD COLUMN lease_owner varchar(120), ADD COLUMN lease_until timestamptz, "
               "ADD COLUMN attempts smallint NOT NULL DEFAULT 0")
    op.execute("CREATE INDEX ix_report_jobs_unfinished ON report_jobs (lease_until) "
               "WHERE state IN ('queued', 'running')")


def downgrade() -> None:
    op.execute("DROP INDEX ix_report_jobs_unfinished")
    op.execute("ALTER TABLE report_jobs DROP COLUMN lease_owner, DROP COLUMN lease_until, DROP COLUMN attempts")
