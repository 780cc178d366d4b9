"""The relay at rest waits for PostgreSQL's NOTIFY instead of polling, and still delivers what it was not told
about (a missed notification, a lost LISTEN connection) with its slow fallback sweep."""

from __future__ import annotations

import asyncio
from typing import Any

import nats
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contracts.gateway import UserRegistered
from devkit.testing import Stack, eventually
from servicekit import bus
from servicekit.db import OutboxRow
from servicekit.outbox import OutboxRelay, add_event


def payload(n: int) -> UserRegistered:
    return UserRegistered(user_id=f"u{n}", username=f"user{n}", full_name="Nguyễn Văn A", email="a@example.vn")


async def _sent(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(text("SELECT count(*) FROM kit_outbox WHERE sent_at IS NOT NULL")) or 0)


async def _start(engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], stack: Stack,
                 **kw: Any) -> tuple[Any, OutboxRelay, asyncio.Task[None]]:
    nc = await nats.connect(stack.nats.url)
    js = nc.jetstream()
    await bus.ensure_streams(js)
    url = engine.url.render_as_string(hide_password=False)
    relay = OutboxRelay(sessionmaker, js, listen_url=url, **kw)
    task = asyncio.create_task(relay.run())
    await eventually(lambda: relay.listening, timeout=20)
    return nc, relay, task


async def _stop(nc: Any, task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await nc.close()


async def test_a_commit_wakes_the_relay_without_polling(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], stack: Stack
) -> None:
    # polling and the fallback sweep an hour apart: only the NOTIFY can bring these events out in time
    nc, relay, task = await _start(engine, sessionmaker, stack, idle_interval=3600, fallback_interval=3600)
    try:
        await asyncio.sleep(0.3)  # the relay's first sweep (nothing to send) is over: it waits now
        async with sessionmaker() as session, session.begin():
            add_event(session, payload(1), source="/test")
            add_event(session, payload(2), source="/test")
        await eventually(lambda: _sent(sessionmaker), timeout=20)
        assert await _sent(sessionmaker) == 2
        async with sessionmaker() as session, session.begin():
            add_event(session, payload(3), source="/test")
        await eventually(lambda: relay.published == 3, timeout=20)
    finally:
        await _stop(nc, task)


async def test_a_missed_notification_is_delivered_by_the_fallback_sweep(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], stack: Stack
) -> None:
    nc, relay, task = await _start(engine, sessionmaker, stack, idle_interval=3600, fallback_interval=0.5)
    try:
        await asyncio.sleep(0.3)
        async with sessionmaker() as session, session.begin():  # a row nobody announced
            session.add(OutboxRow(event_id="silent-1", subject="gateway.user.registered.v1", body="{}", headers={},
                                  attempts=0))
        await eventually(lambda: relay.published == 1, timeout=20)
    finally:
        await _stop(nc, task)


async def test_a_lost_listen_connection_is_renewed(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession], stack: Stack
) -> None:
    nc, relay, task = await _start(engine, sessionmaker, stack, idle_interval=3600, fallback_interval=3600)
    try:
        async with sessionmaker() as session, session.begin():  # the database drops the listening connection
            await session.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND query LIKE 'LISTEN%'"))
        await eventually(lambda: not relay.listening, timeout=20, interval=0.01)
        await eventually(lambda: relay.listening, timeout=20)
        async with sessionmaker() as session, session.begin():
            add_event(session, payload(4), source="/test")
        await eventually(lambda: relay.published == 1, timeout=20)
    finally:
        await _stop(nc, task)


async def test_the_listener_wakes_loops_of_any_channel(
    engine: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    """Channels subscribed before, during and after the connection is made are all heard; a rolled-back
    transaction notifies nobody."""
    from servicekit.wakeup import Listener, notify_on_commit

    listener = Listener(engine.url.render_as_string(hide_password=False))
    await listener.subscribe("early")
    task = asyncio.create_task(listener.run())
    await listener.subscribe("racing")
    try:
        await eventually(lambda: listener.listening, timeout=20)
        await listener.subscribe("late")
        for channel in ("early", "racing", "late"):
            waiter = asyncio.create_task(listener.wait(channel, 30))
            await asyncio.sleep(0.05)
            async with sessionmaker() as session, session.begin():
                notify_on_commit(session, channel)
            assert await asyncio.wait_for(waiter, 20) is True, channel
        waiter = asyncio.create_task(listener.wait("late", 1.0))
        await asyncio.sleep(0.05)
        try:
            async with sessionmaker() as session, session.begin():
                notify_on_commit(session, "late")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert await waiter is False
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_loops_subscribing_at_once_all_hear_their_channel(engine: AsyncEngine, stack: Stack) -> None:
    """Several loops of one process subscribe at the same moment on one LISTEN connection (asyncpg runs one
    statement at a time): none may fail, and each is woken by a NOTIFY on its channel."""
    from servicekit.wakeup import Listener

    listener = Listener(engine.url.render_as_string(hide_password=False))
    task = asyncio.create_task(listener.run())
    try:
        await eventually(lambda: listener.listening, timeout=20)
        channels = [f"kit_test_{i}" for i in range(8)]
        # a loop's first wait returns at once (it looks again once LISTEN is in effect): all eight at the same time
        assert await asyncio.gather(*(listener.wait(c, 20) for c in channels)) == [True] * len(channels)
        waits = [asyncio.create_task(listener.wait(c, 20)) for c in channels]
        await asyncio.sleep(0.5)  # every loop subscribed and waits
        assert not any(w.done() for w in waits), [w.exception() for w in waits if w.done()]
        async with engine.begin() as conn:
            for c in channels:
                await conn.execute(text(f"NOTIFY {c}"))
        assert await asyncio.wait_for(asyncio.gather(*waits), timeout=20) == [True] * len(channels)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
