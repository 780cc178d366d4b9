"""The declarative base of the portal's own tables: web sessions and wizard drafts."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def import_all() -> None:
    """Registers every table on ``Base.metadata`` (migrations/env.py calls it)."""
    from portal.account import models as _account  # noqa: F401
    from portal.draft import models as _draft  # noqa: F401
