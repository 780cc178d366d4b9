from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.identity.models import Client, User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_username(self, username: str) -> User | None:
        return await self.session.scalar(select(User).where(User.username == username))

    async def by_id(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def username_or_id_number_taken(self, username: str, id_number: str | None) -> str | None:
        if await self.session.scalar(select(User.id).where(User.username == username)):
            return "username"
        if id_number and await self.session.scalar(select(User.id).where(User.id_number == id_number)):
            return "id_number"
        return None

    async def any_admin(self) -> bool:
        return bool(await self.session.scalar(select(User.id).where(User.roles.contains(["admin"])).limit(1)))

    async def officers_unpublished(self, officer_roles: list[str]) -> list[User]:
        """Officer accounts never published (created before officers were), in creation order."""
        rows = await self.session.scalars(
            select(User).where(User.officer_published_at.is_(None), User.roles.overlap(officer_roles))
            .order_by(User.created_at)
        )
        return list(rows)

    def add(self, user: User) -> None:
        self.session.add(user)

    async def client(self, client_id: str) -> Client | None:
        return await self.session.get(Client, client_id)
