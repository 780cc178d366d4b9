from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from notify_svc.notification.models import Notification, NotificationRead
from servicekit.auth import Principal


def visible_to(p: Principal) -> ColumnElement[bool]:
    """An entry addressed to the caller, or to one of their roles in their agency."""
    own = Notification.user_id == p.id
    if p.agency_code and p.roles:
        # a notice sent both to the caller and to their role (overdue: assignee and leaders) shows once
        personal = aliased(Notification)
        also_personal = exists().where(personal.event_id == Notification.event_id, personal.user_id == p.id)
        return or_(own, and_(Notification.user_id.is_(None), Notification.role.in_(p.roles),
                             Notification.agency_code == p.agency_code, ~also_personal))
    return or_(own, false())


ENTRY = ("event_id", "event_type", "audience", "user_id", "role", "agency_code", "dossier_code", "title", "body", "at")
# plain SQL: SQLAlchemy compiles a PostgreSQL ``on_conflict`` insert anew on every call (no cache key)
ADD_IF_ABSENT = text(
    f"INSERT INTO notifications (id, {', '.join(ENTRY)}) VALUES (:id, {', '.join(':' + c for c in ENTRY)}) "
    "ON CONFLICT ON CONSTRAINT uq_notifications_event_audience DO NOTHING RETURNING id"
)


class NotificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, **values: Any) -> bool:
        res = await self.session.execute(ADD_IF_ABSENT, {"id": uuid.uuid4(), **{c: values.get(c) for c in ENTRY}})
        return res.scalar_one_or_none() is not None

    def _read_by(self, user_id: str) -> ColumnElement[bool]:
        return exists().where(NotificationRead.notification_id == Notification.id,
                              NotificationRead.user_id == user_id)

    async def page(self, p: Principal, *, unread: bool | None, dossier_code: str | None, offset: int,
                   limit: int) -> tuple[list[tuple[Notification, bool]], int]:
        read = self._read_by(p.id)
        conds = [visible_to(p)]
        if unread is True:
            conds.append(~read)
        elif unread is False:
            conds.append(read)
        if dossier_code:
            conds.append(Notification.dossier_code == dossier_code)
        total = await self.session.scalar(select(func.count()).select_from(Notification).where(*conds))
        rows = await self.session.execute(
            select(Notification, read.label("read")).where(*conds)
            .order_by(Notification.at.desc(), Notification.id).offset(offset).limit(limit))
        return [(n, bool(r)) for n, r in rows.all()], int(total or 0)

    async def visible(self, p: Principal, notification_id: uuid.UUID) -> Notification | None:
        return (await self.session.scalars(
            select(Notification).where(Notification.id == notification_id, visible_to(p)))).one_or_none()

    async def mark_read(self, notification_id: uuid.UUID, user_id: str) -> None:
        await self.session.execute(
            insert(NotificationRead).values(notification_id=notification_id, user_id=user_id)
            .on_conflict_do_nothing())
