"""Replicas: two real workflow-svc processes on one database fire each of 1,000 due timers
exactly once; a process killed (SIGKILL) mid-way loses none and doubles none."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from devkit.testing import Stack, Tokens, eventually
from servicekit.db import make_engine, make_sessionmaker
from workflow_svc.dossier.models import Dossier
from workflow_svc.dossier.service import DossierService
from workflow_svc.settings import Settings
from workflow_svc.timer.models import Timer
from workflow_testkit import accepted, make_settings, new_code

N = 1000
SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def db(stack: Stack, tokens: Tokens) -> AsyncIterator[tuple[Settings, async_sessionmaker[AsyncSession]]]:
    settings = make_settings(stack, tokens, auto_forward_after="0s", run_background=False)
    engine = make_engine(settings.database_url, pool_size=2)
    try:
        yield settings, make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def seed(settings: Settings, maker: async_sessionmaker[AsyncSession], n: int) -> list[str]:
    """n dossiers waiting at the reception desk, each with an auto-forward timer not yet due."""
    template = new_code()
    async with maker() as session, session.begin():
        await DossierService(session, settings).start(accepted(template), f"ev-{template}")
        await session.execute(text("DELETE FROM workflow_timers"))
        await session.execute(text("DELETE FROM kit_outbox"))
        d = await session.get(Dossier, template)
        assert d is not None and d.step == "reception"
        row = {c.key: getattr(d, c.key) for c in Dossier.__mapper__.column_attrs}
        codes = [template] + [f"{template}-{i:04d}" for i in range(1, n)]
        await session.execute(insert(Dossier), [{**row, "code": c} for c in codes[1:]])
        await session.execute(insert(Timer), [
            {"dossier_code": c, "kind": "auto_forward", "token": d.step_seq, "attempts": 0,
             "fire_at": d.step_entered_at.replace(year=2100)} for c in codes])
    return codes


def audit_key(path: Path) -> Path:
    from servicekit.audit import ensure_key

    ensure_key(path)
    return path


def spawn(settings: Settings, tokens: Tokens, stack: Stack, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ, "WORKFLOW_DATABASE_URL": settings.database_url, "NATS_URL": stack.nats.url,
        "AUTH_PUBLIC_KEY_FILE": str(tokens.public_key_file), "WORKFLOW_PORT": str(port),
        "WORKFLOW_TIMER_POLL_INTERVAL": "0.05", "WORKFLOW_TIMER_BATCH": "10", "WORKFLOW_AUTO_FORWARD_AFTER": "0s",
        "WORKFLOW_DB_POOL_SIZE": "4", "PYTHONPATH": str(SRC),
        # outside demo mode a start needs every key (servicekit.cli refuses otherwise)
        "WORKFLOW_AUDIT_KEY_FILE": str(audit_key(log.parent / "audit-key.pem")),
    }
    return subprocess.Popen([sys.executable, "-m", "workflow_svc"], env=env, stdout=log.open("wb"),
                            stderr=subprocess.STDOUT)


async def wait_up(port: int, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        async def up() -> bool:
            assert proc.poll() is None, "workflow-svc exited at start-up"
            try:
                return (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(up, timeout=90)  # a start-up deadline, not a timing: imports alone take 10 s+ under load


async def stats(maker: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    async with maker() as s:
        forwards = dict((await s.execute(text(
            "SELECT dossier_code, count(*) FROM workflow_actions WHERE action = 'forward' GROUP BY dossier_code"
        ))).all())
        by = dict((await s.execute(text(
            "SELECT fired_by, count(*) FROM workflow_timers WHERE kind = 'auto_forward' AND outcome = 'fired' "
            "GROUP BY fired_by"))).all())
        pending = await s.scalar(text(
            "SELECT count(*) FROM workflow_timers WHERE kind = 'auto_forward' AND fired_at IS NULL"))
        events = await s.scalar(text("SELECT count(*) FROM kit_outbox WHERE subject = 'workflow.dossier.forwarded.v1'"))
    return {"forwards": forwards, "by": by, "pending": pending, "events": events,
            "fired": sum(by.values())}


async def make_due(maker: async_sessionmaker[AsyncSession]) -> None:
    async with maker() as s, s.begin():
        await s.execute(text("UPDATE workflow_timers SET fire_at = now() WHERE kind = 'auto_forward'"))
        # time jumps ahead: the timer loops sleep until the next due time they read, so they are told, as when a
        # timer is set (servicekit.wakeup)
        await s.execute(text("NOTIFY workflow_timers"))


async def run_two(stack: Stack, tokens: Tokens, settings: Settings, tmp_path: Path
                  ) -> AsyncIterator[list[subprocess.Popen[bytes]]]:
    ports = [free_port(), free_port()]
    procs = [spawn(settings, tokens, stack, p, tmp_path / f"replica-{i}.log") for i, p in enumerate(ports)]
    try:
        await asyncio.gather(*(wait_up(p, proc) for p, proc in zip(ports, procs, strict=True)))
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


async def test_two_processes_fire_each_of_1000_timers_exactly_once(
    db: tuple[Settings, async_sessionmaker[AsyncSession]], stack: Stack, tokens: Tokens, tmp_path: Path,
) -> None:
    settings, maker = db
    codes = await seed(settings, maker, N)
    async for procs in run_two(stack, tokens, settings, tmp_path):
        await make_due(maker)  # both replicas are up: all 1,000 timers fall due at once

        async def done() -> bool:
            return (await stats(maker))["pending"] == 0

        await eventually(done, timeout=60)
        assert all(p.poll() is None for p in procs)
    s = await stats(maker)
    assert s["forwards"] == {code: 1 for code in codes}  # each dossier forwarded exactly once
    assert s["fired"] == N and s["events"] == N
    pids = {str(p.pid) for p in procs}
    assert {by.rsplit(":", 1)[1] for by in s["by"]} == pids  # both processes fired some
    assert all(n > 0 for n in s["by"].values())


async def test_a_process_killed_mid_way_loses_and_doubles_none(
    db: tuple[Settings, async_sessionmaker[AsyncSession]], stack: Stack, tokens: Tokens, tmp_path: Path,
) -> None:
    settings, maker = db
    codes = await seed(settings, maker, N)
    async for procs in run_two(stack, tokens, settings, tmp_path):
        victim, survivor = procs
        await make_due(maker)
        victim_id = f"{socket.gethostname()}:{victim.pid}"

        async def under_way(victim_id: str = victim_id) -> bool:
            s = await stats(maker)
            return bool(s["by"].get(victim_id, 0) >= 50 and s["pending"] > 200)

        await eventually(under_way, timeout=30)
        victim.send_signal(signal.SIGKILL)  # mid-batch: its open transaction is rolled back by PostgreSQL
        victim.wait(timeout=10)

        async def done() -> bool:
            return (await stats(maker))["pending"] == 0

        await eventually(done, timeout=60)
        assert survivor.poll() is None
    s = await stats(maker)
    assert s["forwards"] == {code: 1 for code in codes}
    assert s["fired"] == N and s["events"] == N
    assert s["by"][f"{socket.gethostname()}:{survivor.pid}"] > 0
