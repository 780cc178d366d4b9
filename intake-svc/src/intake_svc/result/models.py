from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from intake_svc.models import Base


class ResultDocument(Base):
    """A result document approved in processing; for PDFs ``file_id`` is the copy signed by the agency."""

    __tablename__ = "result_documents"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    dossier_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dossiers.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    source_file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("files.id"))
    file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("files.id"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    media_type: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(BigInteger)
    signed: Mapped[bool] = mapped_column(default=False)
    signer: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(Text)  # why it cannot be released online (missing, unsigned)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    @property
    def available(self) -> bool:
        return self.file_id is not None and self.problem is None
