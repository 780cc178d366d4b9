from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from intake_svc.models import Base


class Feedback(Base):
    """A citizen's feedback or recommendation (phản ánh, kiến nghị) about a dossier, a procedure or an agency,
    routed to the agency that answers it by ``due_at`` (working days)."""

    __tablename__ = "feedback"
    __table_args__ = (
        Index("ix_feedback_agency_status_due", "agency_code", "status", "due_at"),
        Index("ix_feedback_public_answered", "answered_at", postgresql_where="public"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    about: Mapped[str] = mapped_column(String(20))  # dossier | procedure | agency
    ref: Mapped[str] = mapped_column(String(100))
    agency_code: Mapped[str] = mapped_column(String(20))
    subject_name: Mapped[str | None] = mapped_column(Text)  # the procedure's or the agency's name, for lists
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(String(100), index=True)
    author_name: Mapped[str | None] = mapped_column(Text)
    author_email: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | answered
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_by_name: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def overdue(self, now: datetime) -> bool:
        """Unanswered past its deadline, or answered after it."""
        if self.answered_at is not None:
            return self.answered_at > self.due_at
        return now > self.due_at
