from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from interop_svc.message.models import InboundMessage


class MessageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, system_id: uuid.UUID, message_id: str) -> InboundMessage | None:
        query = select(InboundMessage).where(
            InboundMessage.system_id == system_id, InboundMessage.message_id == message_id
        )
        return (await self.session.scalars(query)).one_or_none()

    async def insert_new(self, values: dict[str, Any]) -> bool:
        """Stores the message unless this system already sent that message id (then waits for, and
        defers to, the first writer). True if this call stored it."""
        statement = (
            insert(InboundMessage)
            .values(**values)
            .on_conflict_do_nothing(constraint="uq_inbound_messages_system_message")
            .returning(InboundMessage.id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none() is not None
