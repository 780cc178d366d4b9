"""Retention against real PostgreSQL: what is older than its age goes, what is younger or unsent stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import InboxRow, OutboxRow
from servicekit.idempotency import IdempotencyRow
from servicekit.retention import Ages, prune
from servicekit.settings import ServiceSettings


async def test_old_rows_are_pruned_and_unsent_events_never(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    now = datetime.now(UTC)
    old, young = now - timedelta(days=50), now - timedelta(hours=1)
    async with sessionmaker() as session, session.begin():
        await session.execute(insert(OutboxRow), [
            {"event_id": "sent-old", "subject": "s", "body": "{}", "created_at": old, "sent_at": old},
            {"event_id": "unsent-old", "subject": "s", "body": "{}", "created_at": old, "sent_at": None},
            {"event_id": "sent-young", "subject": "s", "body": "{}", "created_at": young, "sent_at": young},
        ])
        await session.execute(insert(InboxRow), [
            {"consumer": "c", "event_id": "in-old", "event_type": "t", "processed_at": old},
            {"consumer": "c", "event_id": "in-young", "event_type": "t", "processed_at": young},
        ])
        await session.execute(insert(IdempotencyRow), [
            {"scope": "u:POST:/x", "key": "k-old", "request_hash": "h", "status": 201, "body": "{}",
             "created_at": old},
            {"scope": "u:POST:/x", "key": "k-young", "request_hash": "h", "status": 201, "body": "{}",
             "created_at": young},
        ])
    ages = Ages.of(ServiceSettings(database_url="postgresql://x@localhost/x"))
    assert ages.inbox > ages.outbox  # defaults: 45 days of inbox, 7 of sent outbox, 2 of idempotency keys
    async with sessionmaker() as session, session.begin():
        done = await prune(session, ages, now=now)
    assert done == {"outbox": 1, "inbox": 1, "idempotency": 1}
    async with sessionmaker() as session:
        assert set(await session.scalars(select(OutboxRow.event_id))) == {"unsent-old", "sent-young"}
        assert set(await session.scalars(select(InboxRow.event_id))) == {"in-young"}
        assert set(await session.scalars(select(IdempotencyRow.key))) == {"k-young"}
    async with sessionmaker() as session, session.begin():
        assert await prune(session, ages, now=now) == {"outbox": 0, "inbox": 0, "idempotency": 0}
