"""The read log: every read of an applicant's personal data or documents by an officer or an auditor."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from intake_svc.models import Base
from servicekit.audit import chained


@chained("personal_data_read")
class ReadEntry(Base):
    """Append-only (a trigger rejects UPDATE, DELETE and TRUNCATE); written in the reading request's transaction."""

    __tablename__ = "dossier_reads"
    __table_args__ = (Index("ix_dossier_reads_dossier_code_id", "dossier_code", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str] = mapped_column(String(100))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(120))
    agency_code: Mapped[str | None] = mapped_column(String(20))
    dossier_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    dossier_code: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(String(20))
    file_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    file_name: Mapped[str | None] = mapped_column(Text)
