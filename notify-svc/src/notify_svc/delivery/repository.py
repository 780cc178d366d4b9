from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.delivery.models import Delivery


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, d: Delivery) -> int:
        values = {c.name: getattr(d, c.key) for c in Delivery.__table__.columns
                  if getattr(d, c.key, None) is not None}
        values.setdefault("id", uuid.uuid4())
        res = await self.session.execute(
            insert(Delivery).values(**values).on_conflict_do_nothing(constraint="uq_deliveries_event_channel")
            .returning(Delivery.id)
        )
        return 1 if res.scalar_one_or_none() is not None else 0

    async def claim_due(self, limit: int) -> list[Delivery]:
        rows = await self.session.scalars(
            select(Delivery)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= datetime.now(UTC))
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(rows)

    async def for_event(self, event_id: str) -> list[Delivery]:
        return list(await self.session.scalars(select(Delivery).where(Delivery.event_id == event_id)))
