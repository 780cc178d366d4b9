from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import servicekit.idempotency  # noqa: F401  (its table belongs to the kit metadata)
from devkit import devstack
from devkit.testing import Stack, reset_jetstream
from servicekit.db import KitBase, make_engine, make_sessionmaker


@pytest.fixture
async def engine(stack: Stack) -> AsyncIterator[AsyncEngine]:
    name = f"kit_{uuid.uuid4().hex[:10]}"
    devstack.create_database(stack.admin_url(), name)
    engine = make_engine(stack.pg.url(name), pool_size=5)
    async with engine.begin() as conn:
        await conn.run_sync(KitBase.metadata.create_all)
    await reset_jetstream(stack.nats.url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)
