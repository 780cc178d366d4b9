from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from interop_svc.dossier.models import DossierChange
from interop_svc.push.models import PENDING, PushDelivery
from interop_svc.system.models import System
from servicekit.wakeup import notify_on_commit

CHANNEL = "interop_push"  # NOTIFY when a push delivery is planned: the workers sleep until then


class PushRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, change: DossierChange) -> None:
        """One pending delivery of ``change`` per active system of its agency that registered a push URL."""
        systems = (await self.session.execute(
            select(System.id).where(System.agency_code == change.agency_code, System.status == "active",
                                    System.push_url.is_not(None))
        )).scalars().all()
        for system_id in systems:
            await self.session.execute(
                insert(PushDelivery).values(
                    system_id=system_id, dossier_code=change.dossier_code, change_seq=change.seq, status=PENDING,
                    attempts=0, message_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"push:{system_id}:{change.seq}")),
                ).on_conflict_do_nothing(constraint="uq_push_deliveries_system_change")
            )
        if systems:
            notify_on_commit(self.session, CHANNEL)

    async def next_due(self) -> datetime | None:
        return await self.session.scalar(select(func.min(PushDelivery.next_attempt_at))
                                         .where(PushDelivery.status == PENDING))

    async def claim_due(self) -> PushDelivery | None:
        """The next due delivery whose earlier changes of the same dossier (to the same system) are all done,
        locked for this transaction; rows other workers hold are skipped (FOR UPDATE SKIP LOCKED)."""
        earlier = aliased(PushDelivery)
        query = (
            select(PushDelivery)
            .where(
                PushDelivery.status == PENDING,
                PushDelivery.next_attempt_at <= func.now(),
                ~exists().where(and_(
                    earlier.system_id == PushDelivery.system_id,
                    earlier.dossier_code == PushDelivery.dossier_code,
                    earlier.status == PENDING,
                    earlier.change_seq < PushDelivery.change_seq,
                )),
            )
            .order_by(PushDelivery.next_attempt_at, PushDelivery.change_seq)
            .limit(1)
            .with_for_update(of=PushDelivery, skip_locked=True)
        )
        return (await self.session.scalars(query)).one_or_none()

    async def change(self, seq: int) -> DossierChange | None:
        return await self.session.get(DossierChange, seq)

    async def system(self, system_id: uuid.UUID) -> System | None:
        return await self.session.get(System, system_id)

    async def list_for(self, system_id: uuid.UUID, status: str | None, limit: int) -> list[PushDelivery]:
        query = select(PushDelivery).where(PushDelivery.system_id == system_id)
        if status is not None:
            query = query.where(PushDelivery.status == status)
        query = query.order_by(PushDelivery.id.desc()).limit(limit)
        return list((await self.session.scalars(query)).all())
