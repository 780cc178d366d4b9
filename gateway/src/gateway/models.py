"""The declarative base of the gateway's own tables."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from servicekit.db import NAMING


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def load_all() -> None:
    """Imports every ORM module so the metadata is complete (migrations, tests)."""
    import gateway.identity.models  # noqa: F401
