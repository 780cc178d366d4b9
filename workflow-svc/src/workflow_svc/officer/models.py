from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from workflow_svc.models import Base


class Officer(Base):
    """An officer account as the gateway last published it (gateway.officer.saved.v1): who may be given a task."""

    __tablename__ = "workflow_officers"
    __table_args__ = (Index("ix_workflow_officers_agency", "agency_code", "username"),)

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(50))
    full_name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSONB)
    agency_code: Mapped[str | None] = mapped_column(String(30))
    department: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
