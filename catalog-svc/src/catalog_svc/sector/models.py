from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.models import Base


class Sector(Base):
    """Lĩnh vực: procedures are organised by sector (R-CAT-1)."""

    __tablename__ = "sectors"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
