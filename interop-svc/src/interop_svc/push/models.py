"""Push deliveries: one row per change of a dossier to deliver to a system that registered a push URL."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from interop_svc.models import Base

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class PushDelivery(Base):
    __tablename__ = "push_deliveries"
    __table_args__ = (
        UniqueConstraint("system_id", "change_seq", name="uq_push_deliveries_system_change"),
        Index("ix_push_deliveries_due", "status", "next_attempt_at"),
        Index("ix_push_deliveries_system_dossier", "system_id", "dossier_code", "change_seq"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    system_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("systems.id"))
    dossier_code: Mapped[str] = mapped_column(String(60))
    change_seq: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    message_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The signed XML, built at the first attempt and resent unchanged by every retry."""
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
