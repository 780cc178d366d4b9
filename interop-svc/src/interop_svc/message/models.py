"""Inbound messages kept as evidence: the exact signed bytes, who sent them, when, their digest, our receipt."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from interop_svc.models import Base


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("system_id", "message_id", name="uq_inbound_messages_system_message"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    system_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("systems.id"), index=True)
    system_code: Mapped[str] = mapped_column(String(50))
    agency_code: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(128))
    message_type: Mapped[str] = mapped_column(String(40))
    dossier_code: Mapped[str | None] = mapped_column(String(60), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    digest_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    receipt: Mapped[bytes] = mapped_column(LargeBinary)
    event_id: Mapped[str | None] = mapped_column(String(64))
