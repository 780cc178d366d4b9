"""The background sweep that flags feedback left unanswered past its deadline (once each)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake_svc.feedback.service import FeedbackService
from vncalendar import default_calendar

log = logging.getLogger(__name__)


async def flag_overdue_once(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    async with sessionmaker() as session, session.begin():
        return await FeedbackService(session, calendar=default_calendar(), now=now).remind_overdue()


async def flag_overdue_feedback(app: FastAPI) -> None:
    clock: Callable[[], datetime] = app.state.clock
    interval = float(app.state.settings.feedback_sweep_interval)
    while True:
        try:
            while await flag_overdue_once(app.state.sessionmaker, clock()) > 0:
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("feedback overdue sweep failed; retrying")
        await asyncio.sleep(interval)
