"""The FAQ and the announcements: what editors write and what the portal reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.errors import NotFound
from catalog_svc.help.models import Announcement, FaqEntry
from catalog_svc.help.repository import HelpRepository
from catalog_svc.help.schemas import AnnouncementWrite, FaqWrite


class HelpService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = HelpRepository(session)

    async def faq(self) -> Sequence[FaqEntry]:
        return await self.repo.faq()

    async def add_faq(self, body: FaqWrite, editor: str) -> FaqEntry:
        entry = FaqEntry(id=uuid.uuid4(), **body.model_dump(), updated_at=datetime.now(UTC), updated_by=editor)
        self.repo.add(entry)
        await self.session.flush()
        return entry

    async def _entry(self, entry_id: uuid.UUID) -> FaqEntry:
        entry = await self.repo.faq_entry(entry_id)
        if entry is None:
            raise NotFound("Không tìm thấy câu hỏi.")
        return entry

    async def change_faq(self, entry_id: uuid.UUID, body: FaqWrite, editor: str) -> FaqEntry:
        entry = await self._entry(entry_id)
        for key, value in body.model_dump().items():
            setattr(entry, key, value)
        entry.updated_at, entry.updated_by = datetime.now(UTC), editor
        await self.session.flush()
        return entry

    async def remove_faq(self, entry_id: uuid.UUID) -> None:
        await self.repo.delete(await self._entry(entry_id))

    async def announcements(self, *, every: bool) -> Sequence[Announcement]:
        return await self.repo.announcements(None if every else datetime.now(UTC))

    async def announce(self, body: AnnouncementWrite, editor: str) -> Announcement:
        now = datetime.now(UTC)
        item = Announcement(id=uuid.uuid4(), title=body.title, body=body.body, shown_from=body.shown_from or now,
                            shown_until=body.shown_until, created_at=now, created_by=editor)
        self.repo.add(item)
        await self.session.flush()
        return item

    async def withdraw(self, item_id: uuid.UUID) -> None:
        item = await self.repo.announcement(item_id)
        if item is None:
            raise NotFound("Không tìm thấy thông báo.")
        await self.repo.delete(item)
