from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request

from notify_svc.delivery.models import Delivery
from notify_svc.delivery.service import DeliveryLog
from notify_svc.deps import CurrentUser, SessionDep
from notify_svc.notification.models import Notification
from notify_svc.notification.schemas import DeliveryRead, NotificationRead
from notify_svc.notification.service import InboxService
from servicekit.auth import Principal, require_roles
from servicekit.pagination import Page

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])

Operator = Annotated[Principal, require_roles("admin", "auditor")]
Admin = Annotated[Principal, require_roles("admin")]
PageNo = Annotated[int, Query(ge=1, le=100_000)]
Size = Annotated[int, Query(ge=1, le=100)]


def _local(request: Request, at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(request.app.state.settings.timezone))


def _read(request: Request, n: Notification, read: bool) -> NotificationRead:
    return NotificationRead(id=n.id, at=_local(request, n.at), title=n.title, body=n.body,
                            dossier_code=n.dossier_code, read=read, kind=n.event_type)


def _delivery(request: Request, d: Delivery) -> DeliveryRead:
    return DeliveryRead(
        id=d.id, event_id=d.event_id, event_type=d.event_type, dossier_code=d.dossier_code, channel=d.channel,
        recipient=d.recipient, subject=d.subject, status=d.status, attempts=d.attempts,
        next_attempt_at=_local(request, d.next_attempt_at), last_error=d.last_error,
        provider_answer=d.provider_answer, created_at=_local(request, d.created_at),
        sent_at=_local(request, d.sent_at) if d.sent_at else None,
        failed_at=_local(request, d.failed_at) if d.failed_at else None)


@router.get("", response_model=Page[NotificationRead])
async def list_notifications(request: Request, principal: CurrentUser, session: SessionDep, page: PageNo = 1,
                             size: Size = 20, unread: bool | None = None,
                             dossier_code: Annotated[str | None, Query(max_length=64)] = None
                             ) -> Page[NotificationRead]:
    """The caller's inbox, newest first: entries addressed to them, and for officers to their role in
    their agency."""
    rows, total = await InboxService(session).page(principal, unread=unread, dossier_code=dossier_code,
                                                   offset=(page - 1) * size, limit=size)
    return Page[NotificationRead](items=[_read(request, n, r) for n, r in rows], total=total, page=page, size=size)


@router.get("/deliveries", response_model=Page[DeliveryRead])
async def list_deliveries(request: Request, principal: Operator, session: SessionDep, page: PageNo = 1,
                          size: Size = 20,
                          status: Literal["pending", "sending", "sent", "failed"] | None = None,
                          channel: Literal["email", "sms", "inbox"] | None = None,
                          dossier_code: Annotated[str | None, Query(max_length=64)] = None) -> Page[DeliveryRead]:
    """The delivery log for operators: attempts, provider answers, final states (``?status=failed``)."""
    rows, total = await DeliveryLog(session).page(status=status, channel=channel, dossier_code=dossier_code,
                                                  offset=(page - 1) * size, limit=size)
    return Page[DeliveryRead](items=[_delivery(request, d) for d in rows], total=total, page=page, size=size)


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryRead)
async def retry_delivery(request: Request, delivery_id: uuid.UUID, principal: Admin,
                         session: SessionDep) -> DeliveryRead:
    """Sends a failed delivery again (same id, so the same Message-ID / Idempotency-Key)."""
    return _delivery(request, await DeliveryLog(session).retry(delivery_id))


@router.post("/{notification_id}/read", response_model=NotificationRead)
async def read_notification(request: Request, notification_id: uuid.UUID, principal: CurrentUser,
                            session: SessionDep) -> NotificationRead:
    """Marks an entry read for the caller; repeating it changes nothing. 404 for anyone else's entry."""
    return _read(request, await InboxService(session).mark_read(principal, notification_id), True)
