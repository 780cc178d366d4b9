"""Alembic helpers shared by every service, and the kit's own migration branch.

The kit's tables (``kit_outbox``, ``kit_inbox``, ``kit_idempotency``) are migrated by the kit itself
(``kit_migrations/``, version table ``kit_alembic_version``), before the service's own migrations
(``<svc>/migrations``, version table ``alembic_version``) on the same database. A change to a kit table is
a new kit migration; no service migration mentions them.

Migrations run once, as their own step (``python -m <svc> migrate``: a Kubernetes Job, or a step of ``make
run``), never from a replica's start. Each run holds a PostgreSQL advisory lock for its whole transaction,
so two started at once (two Jobs, a Job and an operator) run one after the other: the second finds the
database at head and does nothing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from servicekit.db import async_url, make_engine

KIT_MIGRATIONS = Path(__file__).resolve().parent / "kit_migrations"
KIT_VERSION_TABLE = "kit_alembic_version"
KIT_TABLE_PREFIX = "kit_"
# pg_advisory_xact_lock key of every migration run on a database (any 64-bit number our code uses nowhere else)
MIGRATION_LOCK = 0x44_56_43_4D_49_47  # "DVCMIG"


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", async_url(database_url).replace("%", "%%"))
    return cfg


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    """The kit's tables to their head, then the service's migrations to ``revision``."""
    command.upgrade(alembic_config(KIT_MIGRATIONS, database_url), "head")
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def run_env(target_metadata: Any, *, version_table: str = "alembic_version") -> None:
    """The body of every ``migrations/env.py``: online migrations on the async engine. The kit's branch and a
    service's each see only their own tables (autogenerate never proposes the other's)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    kit = version_table == KIT_VERSION_TABLE

    def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
        if type_ != "table" or name is None:
            return True
        return name.startswith(KIT_TABLE_PREFIX) == kit and name not in (KIT_VERSION_TABLE, "alembic_version")

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            version_table=version_table,
            include_name=include_name,
        )
        with context.begin_transaction():
            # before alembic reads the version table: a concurrent run waits here, then sees our commit
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            context.run_migrations()

    async def run() -> None:
        engine = make_engine(url, pool_size=1)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
        await engine.dispose()

    run_blocking(run)


def run_blocking(fn: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Runs ``fn()`` to completion from synchronous code, also when called inside a running event loop
    (tests, async benches): there in a fresh thread's loop, whose exception is raised here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(fn())
        return
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(fn())
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if errors:
        raise errors[0]
