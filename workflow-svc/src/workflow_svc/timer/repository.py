from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from workflow_svc.timer.models import Timer


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
