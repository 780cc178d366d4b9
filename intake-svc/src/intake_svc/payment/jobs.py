"""The background job that expires unpaid online payment requests after ``INTAKE_PAYMENT_TTL``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from intake_svc.payment.service import PaymentService
from vncalendar import default_calendar

log = logging.getLogger(__name__)


async def expire_payments_once(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """One sweep; rows are claimed with SKIP LOCKED so concurrent replicas share the work."""
    async with sessionmaker() as session, session.begin():
        return await PaymentService(session, calendar=default_calendar(), now=now).expire_due()


async def expire_payments(app: FastAPI) -> None:
    clock: Callable[[], datetime] = app.state.clock
    interval = float(app.state.settings.payment_sweep_interval)
    while True:
        try:
            while await expire_payments_once(app.state.sessionmaker, clock()) > 0:
                pass
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("payment expiry sweep failed; retrying")
        await asyncio.sleep(interval)
