from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.help.models import Announcement, FaqEntry


class HelpRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def faq(self) -> Sequence[FaqEntry]:
        return (await self.session.scalars(
            select(FaqEntry).order_by(FaqEntry.topic.nulls_last(), FaqEntry.position, FaqEntry.question))).all()

    async def faq_entry(self, entry_id: uuid.UUID) -> FaqEntry | None:
        return await self.session.get(FaqEntry, entry_id)

    async def announcements(self, now: datetime | None) -> Sequence[Announcement]:
        """Those shown at ``now`` (every one when None), newest first."""
        query = select(Announcement)
        if now is not None:
            query = query.where(Announcement.shown_from <= now,
                                or_(Announcement.shown_until.is_(None), Announcement.shown_until > now))
        return (await self.session.scalars(query.order_by(Announcement.shown_from.desc()).limit(50))).all()

    async def announcement(self, item_id: uuid.UUID) -> Announcement | None:
        return await self.session.get(Announcement, item_id)

    async def is_empty(self) -> bool:
        faq = await self.session.scalar(select(func.count()).select_from(FaqEntry))
        notes = await self.session.scalar(select(func.count()).select_from(Announcement))
        return not faq and not notes

    def add(self, obj: FaqEntry | Announcement) -> None:
        self.session.add(obj)

    async def delete(self, obj: FaqEntry | Announcement) -> None:
        await self.session.delete(obj)
        await self.session.flush()
