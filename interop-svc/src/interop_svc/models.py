"""The declarative base of interop-svc's own tables."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def import_all() -> None:
    """Registers every table on Base.metadata (migrations/env.py)."""
    import interop_svc.dossier.models
    import interop_svc.message.models
    import interop_svc.push.models
    import interop_svc.system.models  # noqa: F401
