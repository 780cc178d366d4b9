from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Computed, DateTime, ForeignKey, Integer, SmallInteger, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.models import Base


class Procedure(Base):
    """The current revision of a procedure: filter/search columns plus the whole content in ``body``."""

    __tablename__ = "procedures"
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 4", name="level"),
        CheckConstraint("online_class IN ('full', 'partial', 'info')", name="online_class"),
    )

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    sector_code: Mapped[str] = mapped_column(String(32), ForeignKey("sectors.code"), index=True)
    agency_code: Mapped[str] = mapped_column(String(13), ForeignKey("agencies.code"), index=True)
    level: Mapped[int] = mapped_column(SmallInteger, index=True)
    online_class: Mapped[str] = mapped_column(String(10))
    revision: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    search_name: Mapped[str] = mapped_column(Text, Computed("catalog_fold(name)", persisted=True))
    search_doc: Mapped[str] = mapped_column(Text, Computed(
        "catalog_fold(code || ' ' || name || ' ' || coalesce(body->>'result', '') || ' ' "
        "|| coalesce(body->>'applicants', ''))", persisted=True))
    interagency: Mapped[list[str]] = mapped_column(JSONB, Computed(
        "coalesce(body->'interagency', '[]'::jsonb)", persisted=True))
    agencies: Mapped[list[str]] = mapped_column(JSONB, Computed(
        "coalesce(body->'agencies', '[]'::jsonb)", persisted=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProcedureRevision(Base):
    """One row per change, never updated: the full content at that revision and the field-level difference."""

    __tablename__ = "procedure_revisions"

    procedure_code: Mapped[str] = mapped_column(String(64), ForeignKey("procedures.code"), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_by_id: Mapped[str] = mapped_column(String(64))
    changed_by_name: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str | None] = mapped_column(Text)
