from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notify_svc.delivery.models import Delivery
from servicekit.wakeup import notify_on_commit

CHANNEL = "notify_deliveries"  # NOTIFY when a delivery to send is planned: the sender sleeps until then


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_if_absent(self, d: Delivery) -> int:
        """Inserts unless the (event, channel, recipient) delivery exists: a redelivered event plans nothing."""
        values = {c.name: getattr(d, c.key) for c in Delivery.__table__.columns
                  if getattr(d, c.key, None) is not None}
        values.setdefault("id", uuid.uuid4())
        res = await self.session.execute(
            insert(Delivery).values(**values).on_conflict_do_nothing(constraint="uq_deliveries_event_channel")
            .returning(Delivery.id)
        )
        if res.scalar_one_or_none() is None:
            return 0
        if values.get("status", "pending") == "pending":
            notify_on_commit(self.session, CHANNEL)
        return 1

    async def next_due(self, lease_seconds: float) -> datetime | None:
        """When the sender next has something to do: a retry's time, or a lease that will expire."""
        retry = await self.session.scalar(select(func.min(Delivery.next_attempt_at))
                                          .where(Delivery.status == "pending"))
        lease = await self.session.scalar(select(func.min(Delivery.claimed_at)).where(Delivery.status == "sending"))
        times = [t for t in (retry, lease + timedelta(seconds=lease_seconds) if lease else None) if t is not None]
        return min(times) if times else None

    async def claim_due(self, limit: int, lease_seconds: float) -> list[Delivery]:
        """Due pending rows, and 'sending' rows whose lease expired (the sender died mid-send); marks them
        'sending' with a fresh ``claimed_at`` (the fencing token of this attempt). The caller commits."""
        now = datetime.now(UTC)
        rows = list(await self.session.scalars(
            select(Delivery)
            .where(or_(
                and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
                and_(Delivery.status == "sending", Delivery.claimed_at < now - timedelta(seconds=lease_seconds)),
            ))
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ))
        for d in rows:
            d.status, d.claimed_at, d.attempts = "sending", now, d.attempts + 1
        await self.session.flush()
        return rows

    async def finish(self, d: Delivery, **values: Any) -> bool:
        """Records the outcome of the attempt ``d.claimed_at`` unless another sender took the row over."""
        res = await self.session.execute(
            update(Delivery)
            .where(Delivery.id == d.id, Delivery.status == "sending", Delivery.claimed_at == d.claimed_at)
            .values(**values)
        )
        return (res.rowcount or 0) == 1  # type: ignore[attr-defined]

    async def for_event(self, event_id: str) -> list[Delivery]:
        return list(await self.session.scalars(select(Delivery).where(Delivery.event_id == event_id)))

    async def get(self, delivery_id: uuid.UUID, *, lock: bool = False) -> Delivery | None:
        stmt = select(Delivery).where(Delivery.id == delivery_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page(self, *, status: str | None, channel: str | None, dossier_code: str | None,
                   offset: int, limit: int) -> tuple[list[Delivery], int]:
        conds = []
        if status:
            conds.append(Delivery.status == status)
        if channel:
            conds.append(Delivery.channel == channel)
        if dossier_code:
            conds.append(Delivery.dossier_code == dossier_code)
        total = await self.session.scalar(select(func.count()).select_from(Delivery).where(*conds))
        rows = await self.session.scalars(
            select(Delivery).where(*conds).order_by(Delivery.created_at.desc(), Delivery.id)
            .offset(offset).limit(limit))
        return list(rows), int(total or 0)
