from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from intake_svc.models import Base


class IssuedPaper(Base):
    """A paper the platform printed for a dossier (form 01) and the sha256 of its exact bytes, recorded when it
    is issued so the public verification page can tell a true copy from a modified one."""

    __tablename__ = "issued_papers"
    __table_args__ = (UniqueConstraint("dossier_id", "sha256"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossiers.id"), index=True)
    form: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    signer: Mapped[str | None] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
