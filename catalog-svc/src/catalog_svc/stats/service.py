"""The statistics read model: project consumed events, rebuild from the stored copy, read figures.

Projection: each consumed event is appended once to ``stats_events``; the dossier's row is then recomputed
from *all* its stored events (``fold``) and upserted, keyed by (generation, dossier code). Replaying an
event, or receiving a dossier's events in another order across the three streams, gives the same row.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from catalog_svc.errors import NotFound
from catalog_svc.stats.fold import CONSUMED, business_time, dossier_code_of, fold
from catalog_svc.stats.repository import StatsRepository
from contracts import CloudEvent
from vncalendar import WorkCalendar, default_calendar

log = logging.getLogger(__name__)
REBUILD_BATCH = 500


class StatsReader:
    """What the report and statistics routes read: public figures, report jobs, the weekly series."""

    def __init__(self, session: AsyncSession) -> None:
        self.repo = StatsRepository(session)

    async def public_figures(self, code: str, since: datetime, min_level: int) -> dict[str, Any]:
        """A procedure's figures since ``since``; 404 for an unknown procedure or one below ``min_level``."""
        level = await self.repo.procedure_level(code)
        if level is None:
            raise NotFound(f"Không có thủ tục mã {code}.")
        if level < min_level:
            raise NotFound("Thống kê chỉ công bố cho dịch vụ công trực tuyến mức độ 3 trở lên.")
        return await self.repo.procedure_figures(code, since)

    async def job(self, job_id: uuid.UUID) -> dict[str, Any] | None:
        return await self.repo.job(job_id)

    async def job_content(self, job_id: uuid.UUID) -> bytes | None:
        return await self.repo.job_content(job_id)

    async def weekly(self, *, start: datetime, end: datetime, agency: str | None) -> list[dict[str, Any]]:
        return await self.repo.weekly(start=start, end=end, agency=agency)

    async def agency_name(self, code: str) -> str | None:
        return await self.repo.agency_name(code)


class StatsService:
    def __init__(self, session: AsyncSession, calendar: WorkCalendar | None = None) -> None:
        self.session = session
        self.repo = StatsRepository(session)
        self.calendar = calendar or default_calendar()

    async def apply(self, event: CloudEvent) -> bool:
        """Stores and projects one event in the caller's transaction; False when it was already stored."""
        if event.type not in CONSUMED:
            return False
        code = dossier_code_of(event.data)
        if code is None:
            log.warning("stats: event %s (%s) names no dossier", event.id, event.type)
            return False
        await self.repo.lock_for_event(code)  # the generations (shared), then the dossier
        new = await self.repo.append_event(
            event_id=event.id, type=event.type, dossier_code=code, time=event.time,
            at=business_time(event.type, event.data, event.time), data=event.data)
        await self._project([code], await self.repo.live_generations())
        return new

    async def apply_feedback(self, event: CloudEvent) -> None:
        """A feedback event (received, answered, overdue) into ``stats_feedback``; a replay changes nothing."""
        d = event.data
        answered = d.get("answered_at") if event.type == "intake.feedback.answered.v1" else None
        await self.repo.record_feedback(
            feedback_id=str(d["feedback_id"]), agency_code=str(d["agency_code"]),
            received_at=datetime.fromisoformat(str(d["received_at"])), due_at=datetime.fromisoformat(str(d["due_at"])),
            answered_at=datetime.fromisoformat(str(answered)) if answered else None,
            overdue_flagged=event.type == "intake.feedback.overdue.v1")

    async def _project(self, codes: list[str], generations: list[int]) -> None:
        events = await self.repo.events_of(codes)
        facts = [fold(code, evs, self.calendar) for code, evs in events.items()]
        await self.repo.upsert(facts, generations)


async def rebuild(maker: async_sessionmaker[AsyncSession], *, calendar: WorkCalendar | None = None,
                  progress: Callable[[int], None] | None = None) -> int:
    """Folds every stored event into a new generation while consumers keep feeding the live one (and the new
    one), then switches atomically. Returns the new generation. Readers are never blocked."""
    cal = calendar or default_calendar()
    async with maker() as session, session.begin():
        repo = StatsRepository(session)
        await repo.lock_generations()
        generation = await repo.start_generation()
    async with maker() as session:
        total = max(1, await StatsRepository(session).count_dossiers_in_events())
    done, after = 0, ""
    while True:
        async with maker() as session, session.begin():
            repo = StatsRepository(session)
            codes = await repo.codes_after(after, REBUILD_BATCH)
            if not codes:
                break
            await repo.lock_dossiers(codes)
            await StatsService(session, cal)._project(codes, [generation])
        after = codes[-1]
        done += len(codes)
        if progress is not None:
            progress(min(99, done * 100 // total))
    async with maker() as session, session.begin():
        repo = StatsRepository(session)
        old = await repo.activate(generation, await repo.event_count())
    log.info("stats: generation %d active (was %d), %d dossiers at %s", generation, old, done,
             datetime.now(UTC).isoformat())
    if progress is not None:
        progress(100)
    return generation
