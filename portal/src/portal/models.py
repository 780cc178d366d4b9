"""The declarative base of the portal's own tables: web sessions and wizard drafts."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def load_all() -> None:
    """Imports every ORM module so the metadata is complete (migrations, tests)."""
    from portal.account import models as _account  # noqa: F401
    from portal.draft import models as _draft  # noqa: F401
