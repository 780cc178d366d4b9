from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from workflow_svc.models import Base


class Timer(Base):
    """A durable timer: claimed with FOR UPDATE SKIP LOCKED; its effect commits with ``fired_at``."""

    __tablename__ = "workflow_timers"
    __table_args__ = (
        Index("ix_workflow_timers_due", "fire_at", postgresql_where=text("fired_at IS NULL")),
        Index("ix_workflow_timers_dossier", "dossier_code"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    dossier_code: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(30))  # auto_forward | step_due | deadline_warning | overdue
    fire_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    token: Mapped[int] = mapped_column(Integer, default=0)  # the dossier's step_seq it was set for
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(String(20))  # fired | stale | cancelled | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    fired_by: Mapped[str | None] = mapped_column(String(100))  # the replica (host:pid) that fired it
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
