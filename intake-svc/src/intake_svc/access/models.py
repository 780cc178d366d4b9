"""Who else takes part in a dossier's processing, learnt from workflow-svc's events.

``dossier_partners``: the agencies a hand-off (liên thông) was sent to, with where that hand-off stands.
``dossier_process_files``: files attached while processing (drafts of the result, a partner's answer), which
every officer processing the dossier may open, although they were uploaded by another officer.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from intake_svc.models import Base

# hand-off states in which the partner agency processes (or processed) the dossier; refused/recalled do not
ACTIVE_PARTNER = ("requested", "completed")


class DossierPartner(Base):
    __tablename__ = "dossier_partners"

    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    handoff_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProcessFile(Base):
    __tablename__ = "dossier_process_files"
    __table_args__ = (UniqueConstraint("dossier_id", "file_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossiers.id"), index=True)
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("files.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    step: Mapped[str | None] = mapped_column(String(60))
    action: Mapped[str | None] = mapped_column(String(40))
    actor_id: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
