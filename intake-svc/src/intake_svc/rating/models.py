from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from intake_svc.models import Base


class DossierRating(Base):
    """The applicant's one rating of a returned dossier: the primary key on the dossier makes it once."""

    __tablename__ = "dossier_ratings"

    dossier_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("dossiers.id"), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(20), index=True)
    procedure_code: Mapped[str] = mapped_column(String(60))
    rater_id: Mapped[str] = mapped_column(String(100))
    overall: Mapped[int] = mapped_column(SmallInteger)
    timeliness: Mapped[int | None] = mapped_column(SmallInteger)
    conduct: Mapped[int | None] = mapped_column(SmallInteger)
    guidance: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
