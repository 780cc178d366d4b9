"""Readiness: NATS away leaves a service in rotation (its outbox keeps the events), until the outbox is full."""

from __future__ import annotations

import uuid

from sqlalchemy import text

import servicekit.idempotency  # noqa: F401  (its table belongs to the kit metadata)
from devkit import devstack
from devkit.testing import Stack, running
from servicekit.db import KitBase, make_engine
from servicekit.runtime import create_service_app
from servicekit.settings import ServiceSettings


async def test_nats_away_is_degraded_until_the_outbox_holds_too_much(stack: Stack) -> None:
    name = f"kit_{uuid.uuid4().hex[:10]}"
    devstack.create_database(stack.admin_url(), name)
    url = stack.pg.url(name)
    engine = make_engine(url, pool_size=1)
    async with engine.begin() as conn:
        await conn.run_sync(KitBase.metadata.create_all)
    settings = ServiceSettings(database_url=url, nats_url=f"nats://127.0.0.1:{devstack.free_port()}",
                               outbox_ready_limit=2)
    async with running(create_service_app(settings=settings, title="t")) as client:
        r = await client.get("/readyz")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "degraded"
        assert r.json()["checks"]["nats"] == {"status": "degraded", "outbox_pending": 0}
        async with engine.begin() as conn:
            for i in range(3):
                await conn.execute(text("INSERT INTO kit_outbox (event_id, subject, body, headers, attempts) "
                                        "VALUES (:id, 's', '{}', '{}', 0)"), {"id": f"e-{i}"})
        r = await client.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["nats"] == {"status": "unavailable", "outbox_pending": 3}
    await engine.dispose()
