"""Transactional outbox: events are rows written in the caller's transaction; a relay publishes them
to JetStream with ``Nats-Msg-Id`` = event id and marks them sent only after the server's ack.

The relay does not poll at rest: a transaction that adds events also sends ``NOTIFY kit_outbox`` (delivered by
PostgreSQL when, and only if, it commits), and every replica's relay LISTENs on its own connection. A slow
fallback sweep (``fallback_interval``) still publishes rows whose notification was missed (the listening
connection was down, a row written by other means); without a listening connection the relay polls every
``idle_interval`` as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from nats.js import JetStreamContext
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import CloudEvent, EventData
from servicekit.db import OutboxRow
from servicekit.telemetry import inject_headers, tracer
from servicekit.wakeup import Listener, notify_on_commit

log = logging.getLogger(__name__)

CHANNEL = "kit_outbox"
OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]
# The relay's statements, made once: Core on the table (no ORM entity to load, no session state to sync) and
# built once, so SQLAlchemy computes their cache key once instead of on every round (most of a small
# statement's cost in Python); the values are bound per execution.
_MARK_SENT = (update(OUTBOX).where(OUTBOX.c.seq.in_(bindparam("seqs", expanding=True)))
              .values(sent_at=bindparam("at")))
_MARK_FAILED = (update(OUTBOX).where(OUTBOX.c.seq == bindparam("the_seq"))
                .values(attempts=OUTBOX.c.attempts + 1, last_error=bindparam("error")))


def add_event(
    session: AsyncSession,
    payload: EventData,
    *,
    source: str,
    subject: str | None = None,
    event_id: str | None = None,
) -> CloudEvent:
    """Adds the event to the caller's transaction; it is published only if that transaction commits."""
    event = CloudEvent.of(payload, source=source, subject=subject, id=event_id)
    session.add(
        OutboxRow(
            event_id=event.id,
            subject=event.type,
            body=event.model_dump_json(),
            headers=inject_headers(),
            attempts=0,
        )
    )
    notify_on_commit(session, CHANNEL)
    return event


class OutboxRelay:
    """Publishes unsent rows in batches, awaiting the acks together; retries forever with backoff.

    Any number of replicas may run: rows are claimed with ``FOR UPDATE SKIP LOCKED``.
    ``after_publish`` is a test seam to simulate a crash between the server's ack and the commit.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        js: JetStreamContext | None,
        *,
        batch: int = 256,
        idle_interval: float = 0.2,
        max_backoff: float = 5.0,
        after_publish: Callable[[list[str]], Awaitable[None]] | None = None,
        listen_url: str | None = None,
        listener: Listener | None = None,
        fallback_interval: float = 10.0,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.js = js
        self._batch = batch
        self._idle = idle_interval
        self._max_backoff = max_backoff
        self._after_publish = after_publish
        self._wake = asyncio.Event()
        self.published = 0
        self._own_listener = listener is None and listen_url is not None
        self.listener = listener or (Listener(listen_url) if listen_url else None)
        self._fallback = fallback_interval
        self._claim = (select(OUTBOX.c.seq, OUTBOX.c.event_id, OUTBOX.c.subject, OUTBOX.c.body, OUTBOX.c.headers)
                       .where(OUTBOX.c.sent_at.is_(None)).order_by(OUTBOX.c.seq).limit(batch)
                       .with_for_update(skip_locked=True))

    @property
    def listening(self) -> bool:
        return self.listener is not None and self.listener.listening

    def wake(self) -> None:
        self._wake.set()

    async def run_once(self) -> int:
        """Publishes one batch; returns how many rows were marked sent."""
        js = self.js
        if js is None:
            raise ConnectionError("not connected to NATS yet")
        async with self._sessionmaker() as session, session.begin():
            rows = (await session.execute(self._claim)).all()
            if not rows:
                return 0
            with tracer().start_as_current_span(
                "outbox.publish", attributes={"messaging.batch.message_count": len(rows)}
            ):
                results = await asyncio.gather(
                    *(
                        js.publish(r.subject, r.body.encode(), headers={**(r.headers or {}), "Nats-Msg-Id": r.event_id})
                        for r in rows
                    ),
                    return_exceptions=True,
                )
            sent = [r.seq for r, res in zip(rows, results, strict=True) if not isinstance(res, BaseException)]
            failed = [(r.seq, res) for r, res in zip(rows, results, strict=True) if isinstance(res, BaseException)]
            if self._after_publish is not None:
                await self._after_publish([r.event_id for r in rows])
            if sent:
                await session.execute(_MARK_SENT, {"seqs": sent, "at": datetime.now(UTC)})
            for seq, exc in failed:
                await session.execute(_MARK_FAILED, {"the_seq": seq, "error": repr(exc)[:500]})
        self.published += len(sent)
        if failed:
            raise ConnectionError(f"{len(failed)} of {len(rows)} events not acknowledged: {failed[0][1]!r}")
        return len(sent)

    async def run(self) -> None:
        listener = self.listener
        own = None
        if listener is not None:
            self._wake = await listener.subscribe(CHANNEL)  # relay.wake() and NOTIFY set the same event
            if self._own_listener:
                own = asyncio.create_task(listener.run(), name="outbox-listen")
        try:
            await self._run()
        finally:
            if own is not None:
                own.cancel()
                await asyncio.gather(own, return_exceptions=True)

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            self._wake.clear()  # before reading: a notification that comes during the read is kept for the wait
            try:
                n = await self.run_once()
                backoff = 0.1
                if n == self._batch:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS or the database is down: retry forever, with backoff
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from exc
                log.warning("outbox relay: %s; retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self._fallback if self.listening else self._idle)
            except TimeoutError:
                pass
