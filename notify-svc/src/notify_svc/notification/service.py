"""The in-app inbox as its reader sees it: a page of entries, and marking one read."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.errors import NotFound
from notify_svc.notification.models import Notification
from notify_svc.notification.repository import NotificationRepository
from servicekit.auth import Principal


class InboxService:
    def __init__(self, session: AsyncSession) -> None:
        self.repo = NotificationRepository(session)

    async def page(self, principal: Principal, *, unread: bool | None, dossier_code: str | None, offset: int,
                   limit: int) -> tuple[list[tuple[Notification, bool]], int]:
        """Entries addressed to the caller, and for officers to their role in their agency, newest first."""
        return await self.repo.page(principal, unread=unread, dossier_code=dossier_code, offset=offset, limit=limit)

    async def mark_read(self, principal: Principal, notification_id: uuid.UUID) -> Notification:
        """Idempotent; 404 for an entry the caller cannot see."""
        n = await self.repo.visible(principal, notification_id)
        if n is None:
            raise NotFound("Không tìm thấy thông báo.")
        await self.repo.mark_read(n.id, principal.id)
        return n
