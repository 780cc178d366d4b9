from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from devkit.testing import Stack, Tokens, eventually
from servicekit.db import make_engine, make_sessionmaker
from workflow_svc.dossier.service import DossierService
from workflow_svc.settings import Settings
from workflow_svc.timer.durations import Delay
from workflow_svc.timer.runner import TimerRunner
from workflow_testkit import accepted, make_settings, new_code

N = 60


@pytest.fixture
async def db(stack: Stack, tokens: Tokens) -> AsyncIterator[tuple[Settings, list[async_sessionmaker[AsyncSession]]]]:
    # Two engines = two replicas' connection pools on one database.
    settings = make_settings(stack, tokens, auto_forward_after="0s", timer_batch=7, run_background=False)
    engines = [make_engine(settings.database_url, pool_size=3) for _ in range(2)]
    try:
        yield settings, [make_sessionmaker(e) for e in engines]
    finally:
        for e in engines:
            await e.dispose()


async def start_dossiers(settings: Settings, maker: async_sessionmaker[AsyncSession], n: int) -> list[str]:
    codes = [new_code() for _ in range(n)]
    async with maker() as session, session.begin():
        svc = DossierService(session, settings)
        for i, code in enumerate(codes):
            await svc.start(accepted(code), f"ev-{i}-{code}")
    return codes


async def counts(maker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with maker() as s:
        forwards = (await s.execute(text(
            "SELECT dossier_code, count(*) FROM workflow_actions WHERE action = 'forward' GROUP BY dossier_code"
        ))).all()
        events = await s.scalar(text("SELECT count(*) FROM kit_outbox WHERE subject = 'workflow.dossier.forwarded.v1'"))
        pending = await s.scalar(text(
            "SELECT count(*) FROM workflow_timers WHERE kind = 'auto_forward' AND fired_at IS NULL"))
        fired = await s.scalar(text(
            "SELECT count(*) FROM workflow_timers WHERE kind = 'auto_forward' AND outcome = 'fired'"))
    return {"forwards": dict(forwards), "events": events, "pending": pending, "fired": fired}


async def test_two_replicas_fire_each_timer_exactly_once(db: tuple[Settings, list[Any]]) -> None:
    settings, (maker_a, maker_b) = db
    codes = await start_dossiers(settings, maker_a, N)
    a, b = TimerRunner(maker_a, settings), TimerRunner(maker_b, settings)
    tasks = [asyncio.create_task(a.run()), asyncio.create_task(b.run())]
    try:
        async def done() -> bool:
            return (await counts(maker_a))["pending"] == 0

        await eventually(done, timeout=20)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    c = await counts(maker_a)
    assert c["forwards"] == {code: 1 for code in codes}
    assert c["events"] == N and c["fired"] == N
    assert a.fired > 0 and b.fired > 0  # both replicas took part


async def test_a_replica_killed_mid_way_loses_no_timer(db: tuple[Settings, list[Any]]) -> None:
    settings, (maker_a, maker_b) = db
    codes = await start_dossiers(settings, maker_a, 20)
    claimed = asyncio.Event()
    hang = asyncio.Event()

    async def crash_before_commit(ids: list[int]) -> None:
        claimed.set()
        await hang.wait()  # killed here: effects done, nothing committed

    doomed = asyncio.create_task(TimerRunner(maker_a, settings, before_commit=crash_before_commit).run_once())
    await asyncio.wait_for(claimed.wait(), 10)
    survivor = TimerRunner(maker_b, settings)
    assert await survivor.run_once() > 0  # skips the rows the doomed replica holds, fires the others
    doomed.cancel()
    await asyncio.gather(doomed, return_exceptions=True)
    while await survivor.run_once():
        pass
    c = await counts(maker_b)
    assert c["forwards"] == {code: 1 for code in codes}
    assert c["events"] == 20 and c["pending"] == 0


def test_delay_parsing() -> None:
    start = datetime(2026, 11, 27, 16, 0, tzinfo=UTC).astimezone()  # Friday 23:00 in Hà Nội: office closed
    assert (Delay.parse("2s").after(start) - start).total_seconds() == 2
    assert (Delay.parse("500ms").after(start) - start).total_seconds() == 0.5
    six = Delay.parse("6h").after(start)  # 6 working hours: Monday 07:30 + 6 h across lunch = 15:30
    assert six.isoformat() == "2026-11-30T15:30:00+07:00"
    assert Delay.parse("1d").before(six).isoformat() == "2026-11-27T15:30:00+07:00"
    for bad in ("", "6", "six hours", "-1s", "3y"):
        with pytest.raises(ValueError):
            Delay.parse(bad)
