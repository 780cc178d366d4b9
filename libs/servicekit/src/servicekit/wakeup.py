"""Background loops that sleep at rest: PostgreSQL's LISTEN/NOTIFY instead of polling.

A transaction that creates work for a loop calls :func:`notify_on_commit` (``NOTIFY <channel>`` is sent with
the commit, and PostgreSQL delivers it only if the transaction commits); each process keeps one
:class:`Listener` connection (asyncpg, outside the pool) and its loops :meth:`Listener.wait` on their channel
until notified, until their next due time, or until a slow fallback sweep (a notification can be missed while
the listening connection is down: the sweep, and a wake-up at every reconnection, cover that).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_CHANNELS = "kit_notify_channels"


def notify_on_commit(session: AsyncSession | Session, channel: str) -> None:
    """Wakes every replica's loop waiting on ``channel`` when (and if) this session's transaction commits."""
    session.info.setdefault(_CHANNELS, set()).add(channel)


@event.listens_for(Session, "before_commit")
def _send_notifications(session: Session) -> None:
    for channel in sorted(session.info.pop(_CHANNELS, ())):
        session.execute(text(f"NOTIFY {channel}"))


@event.listens_for(Session, "after_rollback")
def _forget_notifications(session: Session) -> None:
    session.info.pop(_CHANNELS, None)


class Listener:
    """One LISTEN connection per process, renewed forever; an :class:`asyncio.Event` per channel."""

    def __init__(self, url: str, *, retry_seconds: float = 1.0) -> None:
        self._url = "postgresql://" + url.split("://", 1)[1]
        self._events: dict[str, asyncio.Event] = {}
        self._conn: Any = None
        self._retry = retry_seconds
        self._lock = asyncio.Lock()  # one statement at a time on the connection: loops subscribe concurrently
        self.listening = False

    def _on_notify(self, _conn: Any, _pid: int, channel: str, _payload: str) -> None:
        ev = self._events.get(channel)
        if ev is not None:
            ev.set()

    async def subscribe(self, channel: str) -> asyncio.Event:
        """Never raises: a channel that cannot be registered now is registered at the next reconnection (and
        its loop wakes then), so a waiting loop only sleeps until its own timeout meanwhile."""
        ev = self._events.get(channel)
        if ev is None:
            ev = self._events[channel] = asyncio.Event()
            conn = self._conn
            if conn is not None and not conn.is_closed():
                try:
                    async with self._lock:
                        await conn.add_listener(channel, self._on_notify)
                except Exception as exc:  # the connection broke meanwhile: run() reconnects and registers it
                    log.warning("cannot LISTEN on %s (%s); registered at reconnection", channel, exc)
                    conn.terminate()
        return ev

    async def wait(self, channel: str, timeout: float, *, unheard: float | None = None) -> bool:
        """Until ``channel`` is notified (True) or ``timeout`` seconds pass (False); ``unheard``: the shorter
        wait while no connection listens (the loop then polls as it used to)."""
        first = channel not in self._events
        ev = await self.subscribe(channel)
        if first:
            # work committed before LISTEN took effect sent its NOTIFY to nobody: the loop looks once more now
            ev.clear()
            return True
        if not self.listening and unheard is not None:
            timeout = min(timeout, unheard)
        if timeout <= 0:
            ev.clear()
            return False
        try:
            await asyncio.wait_for(ev.wait(), timeout=timeout)
            return True
        except TimeoutError:
            return False
        finally:
            ev.clear()

    async def run(self) -> None:
        import asyncpg

        while True:
            conn: Any = None
            try:
                conn = await asyncpg.connect(self._url)
                lost = asyncio.Event()
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                registered: set[str] = set()
                async with self._lock:
                    while pending := [c for c in self._events if c not in registered]:  # loops subscribe meanwhile
                        for channel in pending:
                            await conn.add_listener(channel, self._on_notify)
                            registered.add(channel)
                    self._conn = conn  # from here on subscribe() registers new channels itself
                self.listening = True
                for ev in self._events.values():  # whatever was written while nobody listened
                    ev.set()
                await lost.wait()
                log.warning("LISTEN connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cannot LISTEN (%s); loops poll meanwhile", exc)
            finally:
                self.listening = False
                self._conn = None
                if conn is not None and not conn.is_closed():
                    conn.terminate()
            await asyncio.sleep(self._retry)
