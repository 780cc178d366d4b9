"""Retention of the kit's tables: nothing grows forever.

Sent outbox rows, inbox rows and idempotency records older than their configured ages
(``<SVC>_RETENTION_OUTBOX_DAYS`` 7, ``<SVC>_RETENTION_INBOX_DAYS`` 45, ``<SVC>_RETENTION_IDEMPOTENCY_DAYS`` 2)
are deleted by a periodic sweep in every replica (the deletes are idempotent; batches keep each transaction
short). The inbox is kept longer than JetStream keeps a stream's messages (``DVC_STREAM_MAX_AGE``, 30 days
unless set), so an event the server can still redeliver always finds its inbox row.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import InboxRow, OutboxRow
from servicekit.idempotency import IdempotencyRow
from servicekit.settings import ServiceSettings

log = logging.getLogger(__name__)
BATCH = 5000


@dataclass(frozen=True)
class Ages:
    outbox: timedelta
    inbox: timedelta
    idempotency: timedelta

    @classmethod
    def of(cls, settings: ServiceSettings) -> Ages:
        return cls(timedelta(days=settings.retention_outbox_days), timedelta(days=settings.retention_inbox_days),
                   timedelta(days=settings.retention_idempotency_days))


async def prune(session: AsyncSession, ages: Ages, *, now: datetime | None = None,
                batch: int = BATCH) -> dict[str, int]:
    """One batch of each table; the number of rows deleted per table."""
    now = now or datetime.now(UTC)
    outbox = select(OutboxRow.seq).where(OutboxRow.sent_at.is_not(None), OutboxRow.sent_at < now - ages.outbox)
    inbox = select(InboxRow.consumer, InboxRow.event_id).where(InboxRow.processed_at < now - ages.inbox)
    idem = select(IdempotencyRow.scope, IdempotencyRow.key).where(IdempotencyRow.created_at < now - ages.idempotency)
    done = {
        "outbox": await session.execute(delete(OutboxRow).where(OutboxRow.seq.in_(outbox.limit(batch)))),
        "inbox": await session.execute(delete(InboxRow).where(
            tuple_(InboxRow.consumer, InboxRow.event_id).in_(inbox.limit(batch)))),
        "idempotency": await session.execute(delete(IdempotencyRow).where(
            tuple_(IdempotencyRow.scope, IdempotencyRow.key).in_(idem.limit(batch)))),
    }
    return {k: int(getattr(v, "rowcount", 0) or 0) for k, v in done.items()}


async def prune_forever(maker: async_sessionmaker[AsyncSession], ages: Ages, *, every: float) -> None:
    while True:
        try:
            while True:
                async with maker() as session, session.begin():
                    done = await prune(session, ages)
                if any(done.values()):
                    log.info("retention: pruned %s", done)
                if max(done.values()) < BATCH:
                    break
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention sweep failed; retrying at the next one")
        await asyncio.sleep(every)
