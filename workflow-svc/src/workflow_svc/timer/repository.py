from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.wakeup import notify_on_commit
from workflow_svc.timer.models import Timer

CHANNEL = "workflow_timers"  # NOTIFY when a timer is set: the timer loop sleeps until the next one is due


class TimerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim_due(self, now: datetime, limit: int) -> list[Timer]:
        """Rows another replica holds are skipped, not waited for: no timer fires twice."""
        rows = await self.session.scalars(
            select(Timer).where(Timer.fired_at.is_(None), Timer.fire_at <= now)
            .order_by(Timer.fire_at).limit(limit).with_for_update(skip_locked=True)
        )
        return list(rows)

    def add(self, code: str, kind: str, fire_at: datetime, token: int) -> None:
        self.session.add(Timer(dossier_code=code, kind=kind, fire_at=fire_at, token=token, attempts=0))
        notify_on_commit(self.session, CHANNEL)

    async def next_due(self) -> datetime | None:
        return await self.session.scalar(select(func.min(Timer.fire_at)).where(Timer.fired_at.is_(None)))

    async def cancel(self, code: str, now: datetime, kinds: Sequence[str] | None = None) -> None:
        stmt = update(Timer).where(Timer.dossier_code == code, Timer.fired_at.is_(None))
        if kinds is not None:
            stmt = stmt.where(Timer.kind.in_(kinds))
        await self.session.execute(stmt.values(fired_at=now, outcome="cancelled"))
