"""Registered one-stop systems and the certificates their messages are verified with."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from interop_svc.models import Base


class System(Base):
    __tablename__ = "systems"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(Text)
    agency_code: Mapped[str] = mapped_column(String(20), index=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    push_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | revoked
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    certificates: Mapped[list[SystemCertificate]] = relationship(
        lazy="raise", order_by="SystemCertificate.id", back_populates="system"
    )


class SystemCertificate(Base):
    __tablename__ = "system_certificates"
    __table_args__ = (UniqueConstraint("system_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    system_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("systems.id"), index=True)
    pem: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of the DER encoding, hex
    subject: Mapped[str] = mapped_column(Text)
    key_type: Mapped[str] = mapped_column(String(30))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Set when a newer certificate replaced this one: it keeps verifying until then (rotation overlap).
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    system: Mapped[System] = relationship(lazy="raise", back_populates="certificates")

    def trusted_at(self, now: datetime) -> bool:
        return (
            self.revoked_at is None
            and (self.valid_until is None or self.valid_until > now)
            and self.not_before <= now < self.not_after
        )
