"""The kit's tables have their own Alembic branch (``kit_alembic_version``), run before a service's migrations;
a database made when each service's first migration created those tables is adopted as it is."""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

import servicekit.audit
import servicekit.idempotency  # noqa: F401  (its table belongs to the kit metadata)
from devkit import devstack
from devkit.testing import Stack
from servicekit.db import KitBase, make_engine
from servicekit.migrations import KIT_VERSION_TABLE, upgrade

REPO = Path(__file__).resolve().parents[3]
KIT_HEAD = "kit_0002"
SERVICE_ENV = "from sqlalchemy import MetaData\n\nfrom servicekit.migrations import run_env\n\nrun_env(MetaData())\n"
SERVICE_FIRST = '''"""things"""
import sqlalchemy as sa
from alembic import op

revision = "svc_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("things", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("things")
'''


def _service_migrations(root: Path) -> Path:
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(SERVICE_ENV)
    (root / "versions" / "svc_0001.py").write_text(SERVICE_FIRST)
    return root


async def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql))
            return [tuple(r) for r in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


def _kit_differences(conn: Connection) -> list[object]:
    ctx = MigrationContext.configure(
        conn,
        opts={
            "include_name": lambda name, type_, _: (
                type_ != "table" or ((name or "").startswith("kit_") and name != KIT_VERSION_TABLE)
            )
        },
    )
    return list(compare_metadata(ctx, KitBase.metadata))


async def test_a_new_database_gets_the_kit_branch_then_the_service(stack: Stack, tmp_path: Path) -> None:
    name = f"mig_{uuid.uuid4().hex[:10]}"
    devstack.create_database(stack.admin_url(), name)
    url = stack.pg.url(name)
    upgrade(_service_migrations(tmp_path / "svc"), url)
    assert await _query(url, f"SELECT version_num FROM {KIT_VERSION_TABLE}") == [(KIT_HEAD,)]
    assert await _query(url, "SELECT version_num FROM alembic_version") == [("svc_0001",)]
    engine = make_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_kit_differences) == []  # the tables are what the ORM expects
    finally:
        await engine.dispose()


async def test_a_database_from_before_the_kit_branch_keeps_its_tables_and_rows(stack: Stack, tmp_path: Path) -> None:
    """Before, each service's first migration made the kit tables and only ``alembic_version`` existed."""
    name = f"mig_{uuid.uuid4().hex[:10]}"
    devstack.create_database(stack.admin_url(), name)
    url = stack.pg.url(name)
    migrations = _service_migrations(tmp_path / "svc")
    upgrade(migrations, url)
    await _query(url, "INSERT INTO kit_outbox (event_id, subject, body) VALUES ('e-1', 's', '{}') RETURNING seq")
    await _query(url, f"DROP TABLE {KIT_VERSION_TABLE}")
    upgrade(migrations, url)  # adopts the existing tables
    assert await _query(url, f"SELECT version_num FROM {KIT_VERSION_TABLE}") == [(KIT_HEAD,)]
    assert await _query(url, "SELECT event_id FROM kit_outbox") == [("e-1",)]


def test_no_service_migration_touches_a_kit_table() -> None:
    versions = sorted(REPO.glob("*/migrations/versions/*.py"))
    assert len(versions) >= 10
    offenders = [str(p.relative_to(REPO)) for p in versions if "kit_" in p.read_text()]
    assert not offenders, offenders


SLOW_FIRST = SERVICE_FIRST.replace(
    'op.create_table("things"', 'op.execute("SELECT pg_sleep(1)")\n    op.create_table("things"'
)


def test_migrations_started_at_once_from_three_processes_run_once(stack: Stack, tmp_path: Path) -> None:
    """Three replicas' migration steps (three processes) on one empty database: each waits for the advisory
    lock, the first migrates, the others find the database at head. Without the lock two of them create the
    same tables and fail."""
    import subprocess
    import sys

    name = f"mig_{uuid.uuid4().hex[:10]}"
    devstack.create_database(stack.admin_url(), name)
    url = stack.pg.url(name)
    migrations = _service_migrations(tmp_path / "svc")
    (migrations / "versions" / "svc_0001.py").write_text(SLOW_FIRST)
    code = (f"from pathlib import Path; from servicekit.migrations import upgrade; "
            f"upgrade(Path({str(migrations)!r}), {url!r})")
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1].decode()[-500:] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    import asyncio

    assert asyncio.run(_query(url, "SELECT version_num FROM alembic_version")) == [("svc_0001",)]
    assert asyncio.run(_query(url, f"SELECT version_num FROM {KIT_VERSION_TABLE}")) == [(KIT_HEAD,)]
