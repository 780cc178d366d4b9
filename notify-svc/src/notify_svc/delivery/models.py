from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from notify_svc.models import Base


class Delivery(Base):
    """One message to one recipient on one channel for one event: sent at most once.

    ``pending`` → ``sending`` (committed before the provider is called; ``claimed_at`` starts a lease) →
    ``sent`` | back to ``pending`` with a backoff | ``failed`` after ``max_attempts``. Inbox deliveries are
    written ``sent`` at once: the inbox row is the message."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("event_id", "channel", "recipient", name="uq_deliveries_event_channel"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(200))
    dossier_code: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))  # email | sms | inbox
    recipient: Mapped[str] = mapped_column(String(254))
    template: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | sending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # W3C headers of the consumer's span: the provider call is a span of the same trace
    trace_context: Mapped[dict[str, str] | None] = mapped_column(JSONB)
