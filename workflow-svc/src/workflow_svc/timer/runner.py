"""The timer loop: any number of replicas; a timer's claim, its effect and ``fired_at`` commit together."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.wakeup import Listener
from workflow_svc.dossier.repository import DossierRepository
from workflow_svc.settings import Settings
from workflow_svc.timer.repository import CHANNEL, TimerRepository
from workflow_svc.timer.service import TimerService

log = logging.getLogger(__name__)
IDLE_SWEEP = 30.0  # seconds: the loop looks again at least this often, notified or not
REPLICA = f"{socket.gethostname()}:{os.getpid()}"[:100]


class TimerRunner:
    """``before_commit`` is a test seam: it runs after the effects and before the commit (a crash there
    must lose nothing: the rows stay unfired and another replica fires them)."""

    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, *,
        before_commit: Callable[[list[int]], Awaitable[None]] | None = None,
        listener: Listener | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._listener = listener  # at rest: asleep until the next timer is due or a new one is set
        self.settings = settings
        self._before_commit = before_commit
        self.fired = 0

    async def run_once(self) -> int:
        """Claims up to ``timer_batch`` due timers and applies them; returns how many were handled."""
        async with self._sessionmaker() as session, session.begin():
            timers = await TimerRepository(session).claim_due(datetime.now(UTC), self.settings.timer_batch)
            if not timers:
                return 0
            dossiers = {d.code: d for d in await DossierRepository(session).lock_many([t.dossier_code for t in timers])}
            svc = TimerService(session, self.settings)
            for t in timers:
                try:
                    async with session.begin_nested():
                        outcome = await svc.fire(t, dossiers.get(t.dossier_code))
                except Exception as exc:  # one bad timer must not block the others
                    log.warning("timer %s (%s of %s) failed: %r", t.id, t.kind, t.dossier_code, exc)
                    t.attempts += 1
                    t.last_error = repr(exc)[:1000]
                    if t.attempts >= self.settings.timer_max_attempts:
                        t.fired_at, t.outcome = datetime.now(UTC), "failed"
                    continue
                t.fired_at, t.outcome, t.fired_by = datetime.now(UTC), outcome, REPLICA
                t.attempts += 1
            await session.flush()
            if self._before_commit is not None:
                await self._before_commit([t.id for t in timers])
        self.fired += len(timers)
        return len(timers)

    async def run(self) -> None:
        while True:
            try:
                n = await self.run_once()
                if n >= self.settings.timer_batch:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("timer loop: %r; retrying", exc)
            await self._idle()

    async def _idle(self) -> None:
        poll = self.settings.timer_poll_interval
        if self._listener is None:
            await asyncio.sleep(poll)
            return
        try:
            async with self._sessionmaker() as session:
                due = await TimerRepository(session).next_due()
        except Exception as exc:
            log.warning("timer loop: %r; retrying", exc)
            await asyncio.sleep(poll)
            return
        # a due timer still there failed or is another replica's: look again after the usual interval
        wait = IDLE_SWEEP if due is None else (due - datetime.now(UTC)).total_seconds()
        await self._listener.wait(CHANNEL, min(IDLE_SWEEP, wait if wait > 0 else poll), unheard=poll)


async def timer_loop(app: FastAPI) -> None:
    runner = TimerRunner(app.state.sessionmaker, app.state.settings, listener=app.state.listener)
    app.state.timer_runner = runner
    await runner.run()
