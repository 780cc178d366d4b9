from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.models import Base


class Agency(Base):
    """Cơ quan thực hiện, identified by its QCVN 102:2016 code (``000.00.00.H19`` is the province)."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    parent_code: Mapped[str | None] = mapped_column(String(13), ForeignKey("agencies.code"))
    # contact details kept by the administrators (shown to citizens and printed on letters)
    address: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
