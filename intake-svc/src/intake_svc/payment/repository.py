from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake_svc.dossier.models import Dossier
from intake_svc.payment.models import Payment, PaymentNotification


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, obj: Payment | PaymentNotification) -> None:
        self.session.add(obj)

    async def of_dossier(self, dossier_id: uuid.UUID) -> list[Payment]:
        rows = await self.session.scalars(
            select(Payment).where(Payment.dossier_id == dossier_id).order_by(Payment.created_at, Payment.id))
        return list(rows)

    async def pending_of(self, dossier_id: uuid.UUID) -> list[Payment]:
        rows = await self.session.scalars(
            select(Payment).where(Payment.dossier_id == dossier_id, Payment.status == "pending"))
        return list(rows)

    async def by_ref_for_update(self, txn_ref: str) -> Payment | None:
        """Locks the payment: two notifications of one payment at once are applied one after the other."""
        return await self.session.scalar(
            select(Payment).where(Payment.txn_ref == txn_ref).with_for_update()
            .execution_options(populate_existing=True))

    async def by_ref(self, txn_ref: str) -> Payment | None:
        return await self.session.scalar(select(Payment).where(Payment.txn_ref == txn_ref))

    async def dossier(self, dossier_id: uuid.UUID) -> Dossier | None:
        return await self.session.get(Dossier, dossier_id, populate_existing=True)

    async def expired_batch(self, now: datetime, limit: int = 100) -> list[Payment]:
        """Pending payments past their time, claimed so that replicas never expire one twice."""
        rows = await self.session.scalars(
            select(Payment).where(Payment.status == "pending", Payment.expires_at <= now)
            .order_by(Payment.expires_at).limit(limit).with_for_update(skip_locked=True))
        return list(rows)

    async def notifications(self, payment_id: uuid.UUID) -> list[PaymentNotification]:
        rows = await self.session.scalars(
            select(PaymentNotification).where(PaymentNotification.payment_id == payment_id)
            .order_by(PaymentNotification.id))
        return list(rows)
