"""interop's own read model of dossiers (fed by intake and workflow events) and the per-agency change log
that the pull feed pages through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, Index, SmallInteger, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from interop_svc.models import Base

CHANGE_SEQUENCE = "dossier_change_seq"


class Dossier(Base):
    __tablename__ = "dossiers"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(20), index=True)
    procedure_code: Mapped[str] = mapped_column(String(100))
    procedure_name: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(30))
    national_status: Mapped[int | None] = mapped_column(SmallInteger)
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    step: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(20))
    applicant_name: Mapped[str | None] = mapped_column(Text)
    applicant_email: Mapped[str | None] = mapped_column(Text)
    applicant_phone: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handed_off: Mapped[bool] = mapped_column(Boolean, default=False)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # [{file_id, name, requirement_code, sha256, size, media_type}] from intake's submitted/supplemented events
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    form_data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # set for a dossier received at the counter and reported by that one-stop system (CounterDossier)
    origin_system: Mapped[str | None] = mapped_column(String(50))
    last_change_seq: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DossierChange(Base):
    """Append-only: one row per change of a handed-off dossier, with the dossier's state after it.

    ``seq`` comes from a PostgreSQL sequence, taken while holding the agency's advisory lock until commit
    (see repository.lock_agency), so the changes of one agency commit in ``seq`` order.
    """

    __tablename__ = "dossier_changes"
    __table_args__ = (Index("ix_dossier_changes_agency_seq", "agency_code", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(20))
    dossier_code: Mapped[str] = mapped_column(String(60), index=True)
    kind: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str | None] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
