from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from notify_svc.models import Base


class Notification(Base):
    """An in-app inbox entry. Addressed to one user (``user_id`` = JWT ``sub``) or, for officers' work not
    yet assigned to anyone, to every officer of a role in an agency (``role`` + ``agency_code``)."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("event_id", "audience", name="uq_notifications_event_audience"),
        Index("ix_notifications_user", "user_id", "at"),
        Index("ix_notifications_role_agency", "role", "agency_code", "at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(200))  # "user:<id>" | "role:<role>@<agency>"
    user_id: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(40))
    agency_code: Mapped[str | None] = mapped_column(String(64))
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class NotificationRead(Base):
    """Read marks per reader: an entry shared by a role is read or unread for each officer separately."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("notifications.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
