from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from intake_svc.models import Base


class Payment(Base):
    """One attempt to collect a dossier's fees: online through the provider, or cash at the desk."""

    __tablename__ = "payments"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossiers.id"), index=True)
    txn_ref: Mapped[str] = mapped_column(String(40), unique=True)  # vnp_TxnRef: our order reference
    method: Mapped[str] = mapped_column(String(10))  # online | counter
    amount: Mapped[int] = mapped_column(BigInteger)  # whole VND
    status: Mapped[str] = mapped_column(String(12))  # pending | paid | failed | expired
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(100))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pay_url: Mapped[str | None] = mapped_column(Text)
    provider_txn_no: Mapped[str | None] = mapped_column(String(40))
    bank_code: Mapped[str | None] = mapped_column(String(20))
    response_code: Mapped[str | None] = mapped_column(String(4))
    receipt_no: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)


class PaymentNotification(Base):
    """Every call of the provider (IPN) or the browser (return), with our verdict: kept for reconciliation."""

    __tablename__ = "payment_notifications"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(10))  # ipn | return
    txn_ref: Mapped[str | None] = mapped_column(String(100))
    payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payments.id"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB)
    rsp_code: Mapped[str] = mapped_column(String(4))
    message: Mapped[str] = mapped_column(Text)
    remote: Mapped[str | None] = mapped_column(String(100))
