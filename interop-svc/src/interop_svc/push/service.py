"""Push delivery: each change of a dossier is POSTed, as the same signed XML the feed serves, to the push URL
of every system of its agency that registered one; in order per dossier, retried with exponential backoff.

Durable: the deliveries are rows written in the transaction that appends the change (``push_deliveries``);
workers claim one due row at a time with FOR UPDATE SKIP LOCKED, so several workers (or replicas) never send
the same row at once, and a row waits while an earlier change of the same dossier to the same system is still
pending. After ``push_retry.max_attempts`` a delivery is ``failed``: logged, and listed to admins
(GET /api/v1/interop/systems/{code}/push?status=failed)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from interop_svc.dossier.feed import dossier_of
from interop_svc.metrics import PUSHES
from interop_svc.platform.identity import Platform
from interop_svc.push.models import DELIVERED, FAILED, PushDelivery
from interop_svc.push.repository import CHANNEL, PushRepository
from interop_svc.settings import Settings
from interop_svc.system.models import System
from interop_svc.xml import DossierFeedPage, EnvelopeHeader, build_dossier_feed
from servicekit.wakeup import Listener

log = logging.getLogger("interop_svc.push")
WORKERS = 4
IDLE_SWEEP = 30.0  # seconds: an idle worker looks again at least this often, notified or not
_MAX_ERROR = 1000


async def deliveries_of(session: AsyncSession, system: System, status: str | None, limit: int) -> list[PushDelivery]:
    """Push deliveries to ``system``, newest first, optionally only those in ``status``."""
    return await PushRepository(session).list_for(system.id, status, limit)


async def _body(session: AsyncSession, row: PushDelivery, settings: Settings, platform: Platform,
                agency_code: str) -> bytes | None:
    change = await PushRepository(session).change(row.change_seq)
    if change is None:
        return None
    page = DossierFeedPage(dossiers=[dossier_of(change, settings.public_url)], next_cursor=str(change.seq),
                           has_more=False)
    envelope = build_dossier_feed(EnvelopeHeader.new(platform.organ_id, agency_code, message_id=row.message_id), page)
    return await asyncio.to_thread(platform.signer.sign_to_bytes, envelope)


def _give_up(row: PushDelivery, system_code: str, error: str) -> None:
    row.status, row.last_error = FAILED, error[:_MAX_ERROR]
    log.error("push delivery %s of dossier %s (change %s) to system %s failed for good after %s attempts: %s",
              row.id, row.dossier_code, row.change_seq, system_code, row.attempts, error)


async def deliver_one(app: FastAPI, client: httpx.AsyncClient) -> bool:
    """Claims and sends one due delivery; False when none is due."""
    settings: Settings = app.state.settings
    platform: Platform = app.state.platform
    async with app.state.sessionmaker() as session, session.begin():
        repo = PushRepository(session)
        row = await repo.claim_due()
        if row is None:
            return False
        system = await repo.system(row.system_id)
        if system is None or system.status != "active" or not system.push_url:
            _give_up(row, system.code if system else str(row.system_id),
                     "hệ thống đã bị thu hồi hoặc không còn địa chỉ nhận (push_url)")
            return True
        if row.body is None:
            row.body = await _body(session, row, settings, platform, system.agency_code)
            if row.body is None:
                _give_up(row, system.code, "không còn bản ghi thay đổi")
                return True
        row.attempts += 1
        error: str | None = None
        try:
            response = await client.post(system.push_url, content=row.body, headers={
                "Content-Type": "application/xml; charset=utf-8", "X-Interop-Message-Id": row.message_id,
                "X-Interop-Change-Seq": str(row.change_seq)})
            row.last_status_code = response.status_code
            if not response.is_success:
                error = f"HTTP {response.status_code}: {response.text[:300]}"
        except httpx.HTTPError as exc:
            row.last_status_code = None
            error = f"{type(exc).__name__}: {exc}"[:_MAX_ERROR] or type(exc).__name__
        now = datetime.now(UTC)
        if error is None:
            row.status, row.delivered_at, row.last_error = DELIVERED, now, None
            PUSHES.add(1, {"outcome": "delivered", "system": system.code})
        elif settings.push_retry.exhausted(row.attempts):
            _give_up(row, system.code, error)
            PUSHES.add(1, {"outcome": "failed", "system": system.code})
        else:
            PUSHES.add(1, {"outcome": "retried", "system": system.code})
            row.last_error = error[:_MAX_ERROR]
            row.next_attempt_at = now + settings.push_retry.delay(row.attempts)
            log.warning("push delivery %s of dossier %s to system %s: attempt %s failed (%s); next at %s",
                        row.id, row.dossier_code, system.code, row.attempts, error, row.next_attempt_at.isoformat())
        return True


async def _worker(app: FastAPI, client: httpx.AsyncClient) -> None:
    settings: Settings = app.state.settings
    while True:
        try:
            busy = await deliver_one(app, client)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database hiccup must not stop deliveries for good
            log.exception("push worker error")
            busy = False
        if not busy:
            await _idle(app, settings.push_poll_seconds)


async def _idle(app: FastAPI, poll: float) -> None:
    """Asleep until a delivery is planned (NOTIFY) or the next retry is due; polls only without a listener."""
    listener: Listener | None = getattr(app.state, "listener", None)
    if listener is None:
        await asyncio.sleep(poll)
        return
    try:
        async with app.state.sessionmaker() as session:
            due = await PushRepository(session).next_due()
    except Exception:
        log.exception("push worker error")
        await asyncio.sleep(poll)
        return
    wait = IDLE_SWEEP if due is None else (due - datetime.now(UTC)).total_seconds()
    await listener.wait(CHANNEL, min(IDLE_SWEEP, wait if wait > 0 else poll), unheard=poll)


async def push_deliveries(app: FastAPI) -> None:
    """Background job: a few workers sending due push deliveries."""
    settings: Settings = app.state.settings
    async with httpx.AsyncClient(timeout=settings.push_timeout_seconds, follow_redirects=False) as client:
        tasks = [asyncio.create_task(_worker(app, client), name=f"push-{i}") for i in range(WORKERS)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(BaseException):
                await asyncio.gather(*tasks, return_exceptions=True)
