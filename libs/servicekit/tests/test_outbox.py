"""The outbox and the consumers against real PostgreSQL and NATS: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import nats
import pytest
from nats.js.api import ConsumerConfig
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contracts import DLQ_STREAM, CloudEvent
from contracts.gateway import UserRegistered
from devkit import devstack
from devkit.testing import Stack, eventually
from servicekit import bus
from servicekit.db import OutboxRow
from servicekit.outbox import OutboxRelay, add_event


def payload(n: int = 1) -> UserRegistered:
    return UserRegistered(user_id=f"u{n}", username=f"user{n}", full_name="Nguyễn Văn A", email="a@example.vn")


async def stream_count(js, subject: str = "gateway.>") -> int:  # type: ignore[no-untyped-def]
    info = await js.stream_info("GATEWAY")
    return int(info.state.messages)


async def test_rolled_back_event_is_never_published(
    stack: Stack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    nc = await nats.connect(stack.nats.url)
    js = nc.jetstream()
    await bus.ensure_streams(js)
    with contextlib.suppress(RuntimeError):
        async with sessionmaker() as session, session.begin():
            add_event(session, payload(1), source="/test")
            raise RuntimeError("the business change failed")
    async with sessionmaker() as session, session.begin():
        add_event(session, payload(2), source="/test")
    relay = OutboxRelay(sessionmaker, js)
    assert await relay.run_once() == 1
    assert await relay.run_once() == 0
    assert await stream_count(js) == 1
    sub = await js.pull_subscribe("gateway.>", durable="check", stream="GATEWAY")
    [msg] = await sub.fetch(1, timeout=2)
    assert CloudEvent.model_validate_json(msg.data).data["user_id"] == "u2"
    await nc.close()


async def test_crash_between_publish_and_commit_delivers_exactly_once(
    stack: Stack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    nc = await nats.connect(stack.nats.url)
    js = nc.jetstream()
    await bus.ensure_streams(js)
    async with sessionmaker() as session, session.begin():
        event = add_event(session, payload(7), source="/test")

    class Crash(Exception):
        pass

    async def crash(_: list[str]) -> None:
        raise Crash("relay killed after the server's ack, before marking the row sent")

    with pytest.raises(Crash):
        await OutboxRelay(sessionmaker, js, after_publish=crash).run_once()
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).where(OutboxRow.sent_at.is_(None))) == 1
    # the restarted relay publishes again; the server de-duplicates by Nats-Msg-Id
    assert await OutboxRelay(sessionmaker, js).run_once() == 1
    assert await stream_count(js) == 1

    effects: list[str] = []

    async def handler(ev: CloudEvent, session: AsyncSession) -> None:
        await session.execute(text("SELECT 1"))
        effects.append(ev.id)

    runner = bus.ConsumerRunner(
        js, sessionmaker, bus.Subscription("test-effects", ["gateway.user.registered.v1"], handler)
    )
    task = asyncio.create_task(runner.run())
    await eventually(lambda: runner.processed == 1)
    # a redelivery of the same event (e.g. published again after the dedupe window) changes nothing
    await js.publish(
        "gateway.user.registered.v1",
        (await _raw(sessionmaker, event.id)).encode(),
        headers={"Nats-Msg-Id": "another-id-same-event"},
    )
    await eventually(lambda: runner.processed == 2)
    task.cancel()
    assert effects == [event.id]
    await nc.close()


async def _raw(sessionmaker: async_sessionmaker[AsyncSession], event_id: str) -> str:
    async with sessionmaker() as session:
        body = await session.scalar(select(OutboxRow.body).where(OutboxRow.event_id == event_id))
        assert body is not None
        return body


async def test_poison_event_lands_in_dead_letter_after_bounded_retries(
    stack: Stack, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    nc = await nats.connect(stack.nats.url)
    js = nc.jetstream()
    await bus.ensure_streams(js)
    async with sessionmaker() as session, session.begin():
        add_event(session, payload(9), source="/test")
    await OutboxRelay(sessionmaker, js).run_once()
    tries: list[int] = []

    async def failing(ev: CloudEvent, session: AsyncSession) -> None:
        tries.append(1)
        raise ValueError("cannot handle this event")

    sub = bus.Subscription("test-poison", ["gateway.user.registered.v1"], failing, max_deliver=3, retry_delays=(0.05,))
    runner = bus.ConsumerRunner(js, sessionmaker, sub)
    task = asyncio.create_task(runner.run())
    await eventually(lambda: runner.dead_lettered == 1, timeout=20)
    await asyncio.sleep(0.3)
    task.cancel()
    assert len(tries) == 3
    dlq = await js.pull_subscribe("dlq.>", durable="dlq-check", stream=DLQ_STREAM.name, config=ConsumerConfig())
    [msg] = await dlq.fetch(1, timeout=2)
    assert msg.subject == "dlq.test-poison.gateway_user_registered_v1"
    assert "cannot handle" in msg.headers["Dvc-Error"]
    assert CloudEvent.model_validate_json(msg.data).data["user_id"] == "u9"
    # the handler's effects never committed, so the inbox does not hold the event
    async with sessionmaker() as session:
        assert await session.scalar(text("SELECT count(*) FROM kit_inbox")) == 0
    await nc.close()


async def test_relay_retries_while_nats_is_down_then_publishes(
    stack: Stack, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    server = devstack.Nats(tmp_path / "nats").start()
    port = server.port
    nc = await bus.connect(server.url, name="test")
    js = nc.jetstream(timeout=2)
    await bus.ensure_streams(js)
    server.stop()
    async with sessionmaker() as session, session.begin():
        add_event(session, payload(3), source="/test")
    relay = OutboxRelay(sessionmaker, js, idle_interval=0.05, max_backoff=0.2)
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(1.0)
    async with sessionmaker() as session:
        row = (await session.scalars(select(OutboxRow))).one()
        assert row.sent_at is None
    server = devstack.Nats(tmp_path / "nats", port=port).start()  # same storage, same port
    await eventually(lambda: relay.published == 1, timeout=20)
    task.cancel()
    assert await stream_count(js) == 1
    await nc.close()
    server.stop()
