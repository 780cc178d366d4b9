"""workflow-svc's operator metrics: durable timers due (not fired yet) and late (due over a minute ago)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from sqlalchemy import func, select

from servicekit.opsmetrics import Values, gauge
from workflow_svc.timer.models import Timer

TIMERS_DUE = gauge("dvc.workflow.timers.due", unit="{timer}", description="Timers whose time has come, not fired yet.")
TIMERS_LATE = gauge("dvc.workflow.timers.late", unit="{timer}",
                    description="Timers due for over a minute and still not fired (the timer loop is behind or down).")
LATE_AFTER = timedelta(minutes=1)


async def sample_timers(app: FastAPI) -> dict[str, Values]:
    """One query on the partial index of unfired timers."""
    now = datetime.now(UTC)
    async with app.state.sessionmaker() as session:
        due, late = (
            await session.execute(
                select(func.count(), func.count().filter(Timer.fire_at < now - LATE_AFTER))
                .where(Timer.fired_at.is_(None), Timer.fire_at <= now)
            )
        ).one()
    return {TIMERS_DUE: [(float(due), {})], TIMERS_LATE: [(float(late), {})]}
