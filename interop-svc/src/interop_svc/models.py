"""The declarative base of interop-svc's own tables."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def load_all() -> None:
    """Imports every ORM module so the metadata is complete (migrations, tests)."""
    import interop_svc.dossier.models
    import interop_svc.message.models
    import interop_svc.push.models
    import interop_svc.system.models  # noqa: F401
