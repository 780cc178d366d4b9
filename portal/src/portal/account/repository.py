from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.account.models import WebSession


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id_hash: str, now: datetime, *, lock: bool = False) -> WebSession | None:
        query = select(WebSession).where(WebSession.id_hash == id_hash, WebSession.expires_at > now)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        row = await self.session.scalar(query)
        return row

    async def add(self, row: WebSession) -> None:
        self.session.add(row)
        await self.session.flush()

    async def delete(self, id_hash: str) -> None:
        await self.session.execute(delete(WebSession).where(WebSession.id_hash == id_hash))

    async def delete_expired(self, now: datetime) -> None:
        await self.session.execute(delete(WebSession).where(WebSession.expires_at <= now))
